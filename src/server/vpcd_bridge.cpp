#include "server/vpcd_bridge.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <asio.hpp>
#include <chrono>

#include "server/vpcd_frame.h"
#include "server/vpcd_session.h"
#include "util/error.h"
#include "util/secure_buffer.h"

namespace sesame::server {

using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {
constexpr auto backoff_min = 100ms;
constexpr auto backoff_max = 5000ms;
// While another transport holds the card, vpcd drops each connection at its first presence poll;
// retry at this pace so the card shows up soon after it is released, without a busy loop.
constexpr auto backoff_card_in_use = 1000ms;

tcp::endpoint numeric_endpoint(const VpcdSlot& slot) {
  asio::error_code ec;
  const auto address = asio::ip::make_address(slot.host, ec);
  if (ec) fail(Errc::invalid_argument, "vpcd: " + slot.host + " is not a numeric IP address");
  return {address, slot.port};
}
}  // namespace

struct VpcdBridge::Impl : std::enable_shared_from_this<VpcdBridge::Impl> {
  Impl(asio::io_context& io_, asio::thread_pool& pool_, card::CardService& cards, CardLocks& locks,
       const VpcdSlot& slot_, std::string name_)
      : io(io_),
        pool(pool_),
        slot(slot_),
        name(std::move(name_)),
        endpoint_(numeric_endpoint(slot_)),
        socket(io_),
        timer(io_),
        session(cards, locks, slot_.seid, name) {}

  asio::io_context& io;
  asio::thread_pool& pool;
  VpcdSlot slot;
  std::string name;
  tcp::endpoint endpoint_;  // numeric (config.h): connecting never waits on DNS
  tcp::socket socket;
  asio::steady_timer timer;
  VpcdSession session;  // touched by one card-pool task at a time, never by the io thread
  VpcdFrameDecoder decoder;
  std::array<std::uint8_t, 4096> read_buf{};
  Bytes write_buf;
  std::chrono::milliseconds backoff = backoff_min;
  bool stopped = false;
  bool connected = false;
  bool told_waiting = false;
  bool card_in_use = false;  // the last answer was "no card": another transport holds it

  std::string endpoint() const { return slot.host + ":" + std::to_string(slot.port); }

  void connect() {
    if (stopped) return;
    socket.async_connect(endpoint_, [self = shared_from_this()](const asio::error_code& ec) {
      if (self->stopped) return;
      if (ec) return self->retry(ec.message());
      self->on_connected();
    });
  }

  void retry(const std::string& why) {
    asio::error_code ignored;
    socket.close(ignored);
    if (!told_waiting) {
      spdlog::info(
          "{}: vpcd at {} not reachable ({}); retrying in the background. Start pcscd with "
          "the vsmartcard-vpcd driver (see docs/VPCD.md)",
          name, endpoint(), why);
      told_waiting = true;
    } else {
      spdlog::debug("{}: vpcd at {} not reachable ({}), next try in {} ms", name, endpoint(), why,
                    backoff.count());
    }
    schedule_connect();
  }

  void schedule_connect() {
    timer.expires_after(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(backoff_max));
    timer.async_wait([self = shared_from_this()](const asio::error_code& ec) {
      if (!ec && !self->stopped) self->connect();
    });
  }

  void on_connected() {
    asio::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);  // one small frame per APDU: never wait for Nagle
    connected = true;
    told_waiting = false;
    decoder = VpcdFrameDecoder{};
    spdlog::info("{}: connected to vpcd at {}; card {} is now in that PC/SC reader (try: opensc-tool -l)",
                 name, endpoint(), session.seid());
    read();
  }

  void quickack() {
    // Linux clears TCP_QUICKACK on its own; re-arming it after every read keeps delayed ACKs
    // from adding up to 40 ms per APDU round trip.
    int one = 1;
    ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
  }

  void read() {
    socket.async_read_some(
        asio::buffer(read_buf), [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
          if (self->stopped) return;
          if (ec) return self->lost(ec == asio::error::eof ? "vpcd closed the connection" : ec.message());
          self->quickack();
          self->backoff = backoff_min;  // vpcd talks to us: a later loss reconnects quickly again
          self->decoder.feed(ByteView(self->read_buf.data(), n));
          secure_zero(self->read_buf.data(), n);  // it may hold an APDU with a PIN
          self->next_message();
        });
  }

  void next_message() {
    auto payload = decoder.next();
    if (!payload) return read();
    asio::post(pool, [self = shared_from_this(), p = std::move(*payload)]() mutable {
      std::optional<Bytes> answer;
      std::string error;
      try {
        answer = self->session.handle(p.view());
      } catch (const std::exception& e) {
        error = e.what();
      }
      p.clear();
      const bool refused = self->session.refused();
      asio::post(self->io, [self, answer = std::move(answer), error = std::move(error), refused]() mutable {
        if (self->stopped) return;
        self->card_in_use = refused;
        if (!error.empty()) return self->lost(error);
        if (!answer) return self->next_message();
        try {
          self->write_buf = encode_vpcd_frame(*answer);
        } catch (const Error& e) {
          return self->lost(e.what());
        }
        secure_zero(answer->data(), answer->size());
        asio::async_write(self->socket, asio::buffer(self->write_buf),
                          [self](const asio::error_code& ec, std::size_t) {
                            secure_zero(self->write_buf.data(), self->write_buf.size());
                            if (self->stopped) return;
                            if (ec) return self->lost(ec.message());
                            self->next_message();
                          });
      });
    });
  }

  void lost(const std::string& why) {
    if (card_in_use) {
      // Expected: vpcd hangs up on a reader without a card. session.handle() logged it once.
      spdlog::debug("{}: vpcd closed the connection while card {} is in use elsewhere ({})", name, session.seid(),
                    why);
      backoff = backoff_card_in_use;
    } else {
      spdlog::info("{}: vpcd connection lost ({}); card {} removed from the reader, reconnecting", name, why,
                   session.seid());
    }
    connected = false;
    asio::error_code ignored;
    socket.close(ignored);
    asio::post(pool, [self = shared_from_this()]() {
      self->session.disconnected();
      asio::post(self->io, [self]() {
        if (!self->stopped) self->schedule_connect();
      });
    });
  }

  void stop() {
    stopped = true;
    asio::error_code ignored;
    timer.cancel();
    socket.close(ignored);
    if (connected) spdlog::info("{}: disconnected from vpcd at {}", name, endpoint());
    connected = false;
  }
};

VpcdBridge::VpcdBridge(asio::io_context& io, asio::thread_pool& card_pool, card::CardService& cards,
                       CardLocks& locks, const VpcdSlot& slot, std::string name)
    : impl_(std::make_shared<Impl>(io, card_pool, cards, locks, slot, std::move(name))) {}

VpcdBridge::~VpcdBridge() {
  if (impl_) impl_->stopped = true;
}

void VpcdBridge::start() {
  spdlog::info("{}: serving card {} to vpcd at {} (sesamed connects to pcscd's vpcd driver)", impl_->name,
               impl_->slot.seid, impl_->endpoint());
  impl_->connect();
}

void VpcdBridge::stop() {
  impl_->stop();
}

}  // namespace sesame::server
