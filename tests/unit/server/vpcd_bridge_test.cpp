// VpcdSession and VpcdBridge against a real CardService (in-memory store, built-in applets) and a
// fake vpcd: a listening loopback socket in the test speaking the vpcd wire format.
#include "server/vpcd_bridge.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio.hpp>
#include <thread>

#include "applets/builtin.h"
#include "card/applet_registry.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "server/vpcd_frame.h"
#include "server/vpcd_session.h"
#include "store/memory_store.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::server {
namespace {

const char* const select_demo = "00A4040008F0534553414D4501";

class CardFixture : public ::testing::Test {
 protected:
  CardFixture() : store_(store::open_memory_store(crypto::random_secret(32))) {
    applets::register_builtin_applets(registry_);
    cards_ = std::make_unique<card::CardService>(*store_, registry_);
    cards_->create_card({.seid = "demo", .label = "test"});
    cards_->install_applet("demo", "sesame.demo", from_hex("F0534553414D4501"), {});
  }
  ~CardFixture() override { cards_.reset(); }

  card::AppletRegistry registry_;
  CardLocks locks_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<card::CardService> cards_;
};

using VpcdSessionTest = CardFixture;

TEST_F(VpcdSessionTest, ControlAndApdus) {
  VpcdSession s(*cards_, locks_, "demo", "test");
  const Bytes atr = cards_->info("demo").atr;
  EXPECT_FALSE(s.handle(from_hex("01")));  // power on: no answer
  EXPECT_TRUE(cards_->info("demo").powered);
  auto got = s.handle(from_hex("04"));
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, atr);
  got = s.handle(from_hex(select_demo));
  ASSERT_TRUE(got);
  EXPECT_EQ(to_hex(*got).substr(to_hex(*got).size() - 4), "9000");
  EXPECT_FALSE(s.handle(from_hex("02")));  // reset
  EXPECT_FALSE(s.handle(from_hex("00")));  // power off
  EXPECT_FALSE(cards_->release("demo")) << "power-off unloaded the card (with PostgreSQL: gave its lease back)";
  EXPECT_FALSE(cards_->info("demo").powered);
  EXPECT_THROW(s.handle(from_hex("03")), Error);
  EXPECT_THROW(s.handle({}), Error);
}

// pcscd polls the ATR; answering must not load the card (with PostgreSQL it would take its lease).
TEST_F(VpcdSessionTest, TheAtrNeedsNoLoadAndADisconnectUnloads) {
  ASSERT_TRUE(cards_->release("demo"));  // loaded by install_applet
  VpcdSession s(*cards_, locks_, "demo", "test");
  auto got = s.handle(from_hex("04"));
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, cards_->atr("demo"));
  EXPECT_FALSE(cards_->release("demo")) << "nothing was loaded";
  EXPECT_FALSE(s.handle(from_hex("01")));
  got = s.handle(from_hex(select_demo));
  ASSERT_TRUE(got);
  EXPECT_FALSE(cards_->release("demo")) << "powered: stays";
  s.disconnected();
  EXPECT_FALSE(locks_.holder("demo"));
  EXPECT_FALSE(cards_->release("demo")) << "the disconnect powered it off and unloaded it";
  EXPECT_FALSE(cards_->info("demo").powered);
}

TEST_F(VpcdSessionTest, AVanishedCardAnswers6F00) {
  VpcdSession s(*cards_, locks_, "demo", "test");
  cards_->delete_card("demo");
  auto got = s.handle(from_hex(select_demo));
  ASSERT_TRUE(got);
  EXPECT_EQ(to_hex(*got), "6F00");
  EXPECT_THROW(s.handle(from_hex("04")), Error);  // no ATR to give: the bridge drops the connection
}

// The vpcd side: listens on an ephemeral loopback port, accepts sesamed, exchanges frames.
class FakeVpcd {
 public:
  FakeVpcd() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(listen_fd_, 4), 0);
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~FakeVpcd() {
    hang_up();
    ::close(listen_fd_);
  }
  std::uint16_t port() const { return port_; }

  bool accept_within(int ms) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, ms) != 1) return false;
    conn_fd_ = ::accept(listen_fd_, nullptr, nullptr);
    return conn_fd_ >= 0;
  }
  void hang_up() {
    if (conn_fd_ >= 0) ::close(conn_fd_);
    conn_fd_ = -1;
  }
  void send(const Bytes& payload) {
    const Bytes f = encode_vpcd_frame(payload);
    ASSERT_EQ(::write(conn_fd_, f.data(), f.size()), static_cast<ssize_t>(f.size()));
  }
  // Reads one answer frame (waits up to 10 s).
  std::optional<Bytes> receive() {
    for (;;) {
      if (auto p = decoder_.next()) return p->reveal();
      pollfd p{conn_fd_, POLLIN, 0};
      if (::poll(&p, 1, 10000) != 1) return std::nullopt;
      std::uint8_t buf[512];
      const ssize_t n = ::read(conn_fd_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      decoder_.feed(ByteView(buf, static_cast<std::size_t>(n)));
    }
  }

 private:
  int listen_fd_ = -1, conn_fd_ = -1;
  std::uint16_t port_ = 0;
  VpcdFrameDecoder decoder_;
};

using VpcdBridgeTest = CardFixture;

TEST_F(VpcdBridgeTest, ServesACardAndReconnects) {
  FakeVpcd vpcd;
  asio::io_context io;
  asio::thread_pool pool(2);
  VpcdSlot slot;
  slot.port = vpcd.port();
  slot.seid = "demo";
  VpcdBridge bridge(io, pool, *cards_, locks_, slot, "test slot");
  bridge.start();
  std::thread io_thread([&] {
    auto guard = asio::make_work_guard(io);
    io.run();
  });

  ASSERT_TRUE(vpcd.accept_within(5000));
  vpcd.send(from_hex("01"));  // power on, then get ATR: no answer to the first, the ATR to the second
  vpcd.send(from_hex("04"));
  auto atr = vpcd.receive();
  ASSERT_TRUE(atr);
  EXPECT_EQ(*atr, cards_->info("demo").atr);
  vpcd.send(from_hex(select_demo));
  auto r = vpcd.receive();
  ASSERT_TRUE(r);
  ASSERT_GE(r->size(), 2u);
  EXPECT_EQ(get_u16(*r, r->size() - 2), 0x9000);

  // vpcd goes away: the card is powered off and sesamed dials again.
  vpcd.hang_up();
  ASSERT_TRUE(vpcd.accept_within(5000));
  for (int i = 0; i < 100 && cards_->info("demo").powered; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(cards_->info("demo").powered);
  vpcd.send(from_hex("04"));
  atr = vpcd.receive();
  ASSERT_TRUE(atr);
  EXPECT_EQ(*atr, cards_->info("demo").atr);

  // An unknown control byte: fail closed, the bridge drops the connection (and dials again).
  vpcd.send(from_hex("07"));
  EXPECT_FALSE(vpcd.receive());
  vpcd.hang_up();
  ASSERT_TRUE(vpcd.accept_within(5000));

  asio::post(io, [&] { bridge.stop(); });
  asio::post(io, [&] { io.stop(); });
  io_thread.join();
  pool.join();
  EXPECT_FALSE(vpcd.receive());  // closed by stop()
}

}  // namespace
}  // namespace sesame::server
