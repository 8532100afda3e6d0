#include "server/racs/racs_listener.h"

#include <spdlog/spdlog.h>

#include <array>
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <atomic>
#include <set>
#include <thread>
#include <time.h>
#include <string_view>

#include "crypto/tls_context.h"
#include "server/io_loops.h"
#include "server/racs/racs_session.h"
#include "util/error.h"
#include "util/secure_buffer.h"

namespace sesame::server::racs {

using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {
constexpr auto shutdown_grace = 1s;

// The time of a request's I/O, for the idle timeout (seconds): the kernel's coarse monotonic clock
// (the same clock as steady_clock, a few milliseconds behind) costs no TSC read, and this runs twice
// per APDU.
std::chrono::steady_clock::time_point coarse_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return std::chrono::steady_clock::time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}  // how long a TLS close_notify exchange may take
constexpr std::size_t read_buffer_size = 4096;
}

struct Connection;

struct RacsListener::Impl : std::enable_shared_from_this<RacsListener::Impl> {
  Impl(IoLoops& loops_, asio::thread_pool& pool_, card::CardService& cards, const RacsConfig& cfg,
       const crypto::TlsContext& tls, const PolicySource& policy, AuditLog& audit_, std::string address_,
       CardLocks* shared_locks)
      : own_locks(shared_locks ? nullptr : std::make_unique<CardLocks>()),
        locks(shared_locks ? *shared_locks : *own_locks),
        loops(loops_),
        pool(pool_),
        config(cfg),
        ssl(static_cast<asio::ssl::context::native_handle_type>(tls.new_reference())),
        acceptor(asio::make_strand(loops_.loop(0))),
        env{cards, policy, locks, audit_, cfg.limits},
        audit(audit_),
        address(std::move(address_)) {}

  std::unique_ptr<CardLocks> own_locks;  // when the listener was given none to share
  CardLocks& locks;
  IoLoops& loops;
  std::size_t next_loop = 0;  // round-robin; touched only on the acceptor's strand
  asio::thread_pool& pool;
  RacsConfig config;
  asio::ssl::context ssl;
  tcp::acceptor acceptor;
  SessionEnv env;
  AuditLog& audit;
  std::string address;
  std::set<std::shared_ptr<Connection>> connections;
  std::atomic<std::size_t> count{0};
  bool stopped = false;

  void accept();
  // The set is touched only on the acceptor's strand.
  void remove(const std::shared_ptr<Connection>& c) {
    asio::post(acceptor.get_executor(), [self = shared_from_this(), c] {
      self->connections.erase(c);
      self->count = self->connections.size();
    });
  }
};

struct Connection : std::enable_shared_from_this<Connection> {
  Connection(RacsListener::Impl& l, tcp::socket socket, SessionId id_)
      : listener(l.shared_from_this()),
        stream(std::move(socket), l.ssl),
        timer(stream.get_executor()),
        id(id_) {}

  std::shared_ptr<RacsListener::Impl> listener;
  asio::ssl::stream<tcp::socket> stream;
  // One timer per connection for every deadline: the handshake timeout, then whichever comes first
  // of the idle timeout and the end of the session's lifetime. A request only stamps
  // `last_activity`; the timer is re-armed when it fires early, so the hot path touches no timer
  // queue (re-arming per request cost two handler runs and a reactor lock per APDU).
  asio::steady_timer timer;
  std::chrono::steady_clock::time_point last_activity;
  std::chrono::steady_clock::time_point lifetime_end;
  bool established = false;  // the handshake is done and the user known
  SessionId id;
  std::string peer;
  std::unique_ptr<RacsSession> session;
  // A request is a few dozen bytes; a longer one (or a 16 KiB TLS record) arrives in several reads,
  // which feed() joins. Smaller than a record keeps an idle session's memory down.
  std::array<char, read_buffer_size> buf{};
  std::string out;
  bool finished = false;  // closing or closed
  std::string end_reason;

  void start() {
    asio::error_code ec;
    const auto ep = stream.lowest_layer().remote_endpoint(ec);
    peer = ec ? std::string("unknown") : ep.address().to_string() + ":" + std::to_string(ep.port());
    stream.lowest_layer().set_option(tcp::no_delay(true), ec);  // one small record per response
    timer.expires_after(listener->config.handshake_timeout);
    wait_deadline();
    stream.async_handshake(asio::ssl::stream_base::server,
                           [self = shared_from_this()](const asio::error_code& e) { self->on_handshake(e); });
  }

  void on_handshake(const asio::error_code& ec) {
    if (finished) return;
    if (ec) {
      const std::string why = crypto::tls_verify_error(stream.native_handle());
      listener->audit.write("peer=" + peer + " handshake-failed reason=\"" + ec.message() +
                            (why.empty() ? "" : ", " + why) + "\"");
      spdlog::info("racs: TLS handshake with {} failed: {}{}", peer, ec.message(), why.empty() ? "" : " (" + why + ")");
      return finish("handshake failed", false);
    }
    const auto cert = crypto::peer_certificate(stream.native_handle());
    const std::optional<std::string> cn = cert ? cert->subject_cn() : std::nullopt;
    if (!cn || cn->empty()) {
      listener->audit.write("peer=" + peer + " refused reason=\"client certificate without CN\"");
      return finish("no CN", false);
    }
    if (!listener->env.policy.current()->knows_user(*cn)) {
      listener->audit.write("peer=" + peer + " user=" + *cn + " refused reason=\"unknown user\"");
      spdlog::info("racs: {} from {} is not a RACS user; closing", *cn, peer);
      out = RacsSession::unknown_user_response(*cn);
      return write_then([self = shared_from_this()] { self->finish("unknown user", true); });
    }
    session = std::make_unique<RacsSession>(listener->env, id, *cn, peer);
    listener->audit.write("session=" + std::to_string(id) + " user=" + *cn + " start peer=" + peer +
                          " tls=\"" + crypto::tls_session_summary(stream.native_handle()) + "\"");
    established = true;
    last_activity = std::chrono::steady_clock::now();
    lifetime_end = last_activity + listener->config.session_lifetime;
    timer.expires_at(next_deadline());  // the pending handshake wait ends with operation_aborted
    wait_deadline();
    read();
  }

  std::chrono::steady_clock::time_point next_deadline() const {
    return std::min(last_activity + listener->config.idle_timeout, lifetime_end);
  }

  void wait_deadline() {
    timer.async_wait([self = shared_from_this()](const asio::error_code& e) {
      if (!e) self->on_deadline();
    });
  }

  // Idle means no request read and no response written for racs.idle_timeout: a client that stops
  // reading its responses is as idle as one that stops writing.
  void on_deadline() {
    if (finished) return;
    if (!established) {
      listener->audit.write("peer=" + peer + " refused reason=\"handshake timeout\"");
      spdlog::info("racs: {} did not finish the TLS handshake within racs.handshake_timeout; closing (handshake timeout)",
                   peer);
      return finish("handshake timeout", false);
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= lifetime_end) return finish("session lifetime over", true);
    if (now >= last_activity + listener->config.idle_timeout) return finish("idle timeout", true);
    timer.expires_at(next_deadline());
    wait_deadline();
  }

  void read() {
    if (finished) return;
    stream.async_read_some(asio::buffer(buf), [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
      if (self->finished) return;
      self->last_activity = coarse_now();
      if (ec) return self->finish(ec == asio::error::eof || ec == asio::ssl::error::stream_truncated
                                      ? "closed by client"
                                      : "read error: " + ec.message(),
                                  false);
      self->process(std::string_view(self->buf.data(), n));
      secure_zero(self->buf.data(), n);  // request text may hold an APDU with a PIN
    });
  }

  // The session runs here, on the connection's loop: no hop to another thread and back per
  // request. An APDU's durable commit (SQLite) is only submitted; the response waits for it without
  // holding the loop, which serves its other sessions meanwhile, and the store's writer makes the
  // commits that queued up durable with one fsync. No read is started until the response is sent.
  void process(std::string_view data) {
    RacsSession::Output result;
    try {
      result = session->feed(data);
    } catch (const std::exception& e) {
      spdlog::error("racs session {}: {}", id, e.what());
      result.close = true;
    }
    const std::thread::id loop_thread = std::this_thread::get_id();
    session->when_durable([self = shared_from_this(), result = std::move(result), loop_thread](bool ok) mutable {
      if (std::this_thread::get_id() == loop_thread) return self->respond(std::move(result), ok);
      // Finished on the store's writer thread: back to the connection's loop.
      auto ex = self->stream.get_executor();
      asio::post(ex, [self = std::move(self), result = std::move(result), ok]() mutable {
        self->respond(std::move(result), ok);
      });
    });
  }

  void respond(RacsSession::Output result, bool durable) {
    if (finished) return;
    if (!durable) {
      spdlog::error("racs session {}: a card's commit failed; answering -806 and closing", id);
      result.text = session->durability_failure_response();
      result.close = true;
    }
    if (result.text.empty()) {
      if (result.close) return finish("protocol error", true);
      return read();
    }
    out = std::move(result.text);
    const bool close = result.close;
    const char* why = durable ? "protocol error" : "store failure";
    write_then([self = shared_from_this(), close, why] {
      if (close)
        self->finish(why, true);
      else
        self->read();
    });
  }

  template <typename Next>
  void write_then(Next next) {
    asio::async_write(stream, asio::buffer(out),
                      [self = shared_from_this(), next = std::move(next)](const asio::error_code& ec, std::size_t) {
                        if (self->finished) return;
                        if (ec) return self->finish("write error: " + ec.message(), false);
                        self->last_activity = coarse_now();
                        next();
                      });
  }

  // Ends the connection once. `polite`: send a TLS close_notify first (bounded by a short timer).
  void finish(const std::string& reason, bool polite) {
    if (finished) return;
    finished = true;
    end_reason = reason;
    timer.cancel();
    if (polite) {
      asio::error_code ignored;
      stream.lowest_layer().cancel(ignored);  // a pending read ends first (its handler sees finished)
      timer.expires_after(shutdown_grace);
      timer.async_wait([self = shared_from_this()](const asio::error_code&) { self->close_socket(); });
      stream.async_shutdown([self = shared_from_this()](const asio::error_code&) { self->close_socket(); });
    } else {
      close_socket();
    }
    end_session();
  }

  void close_socket() {
    asio::error_code ignored;
    timer.cancel();
    stream.lowest_layer().close(ignored);
  }

  // The session's cards are powered off on the card pool (CardService may wait on the store).
  void end_session() {
    auto self = shared_from_this();
    if (session) {
      spdlog::info("racs session {} ({}) ended: {}", id, session->user(), end_reason);
      asio::post(listener->pool, [self]() {
        self->session->end(self->end_reason);
        self->listener->remove(self);
      });
    } else {
      listener->remove(self);
    }
  }
};

void RacsListener::Impl::accept() {
  // The new connection lives on one loop (one thread) for its whole life: no strand needed.
  asio::io_context& loop = loops.loop(next_loop++ % loops.size());
  acceptor.async_accept(loop, [self = shared_from_this()](const asio::error_code& ec, tcp::socket s) {
    if (self->stopped) return;
    if (ec) {
      spdlog::warn("racs: accept failed: {}", ec.message());
      if (ec == asio::error::no_descriptors) {  // out of file descriptors: back off instead of spinning
        auto t = std::make_shared<asio::steady_timer>(self->acceptor.get_executor(), 100ms);
        t->async_wait([self, t](const asio::error_code&) {
          if (!self->stopped) self->accept();
        });
        return;
      }
      return self->accept();
    }
    if (self->connections.size() >= self->config.max_sessions) {
      asio::error_code ignored;
      const auto ep = s.remote_endpoint(ignored);
      spdlog::warn("racs: {} sessions open (racs.max_sessions); refusing {}", self->connections.size(),
                   ep.address().to_string());
      s.close(ignored);
      return self->accept();
    }
    auto c = std::make_shared<Connection>(*self, std::move(s), self->locks.new_holder());
    self->connections.insert(c);
    self->count = self->connections.size();
    // The connection's handlers run on its loop; the listener's set only on the acceptor's strand.
    asio::post(c->stream.get_executor(), [c] { c->start(); });
    self->accept();
  });
}

RacsListener::RacsListener(IoLoops& loops, asio::thread_pool& card_pool, card::CardService& cards,
                           const RacsConfig& config, const crypto::TlsContext& tls, const PolicySource& policy,
                           AuditLog& audit, std::string listen_address, CardLocks* locks)
    : impl_(std::make_shared<Impl>(loops, card_pool, cards, config, tls, policy, audit, std::move(listen_address),
                                   locks)) {
  if (!tls.is_server()) fail(Errc::invalid_argument, "racs: the listener needs a server TLS context");
}

RacsListener::~RacsListener() { impl_->stopped = true; }

void RacsListener::start() {
  asio::error_code ec;
  const auto addr = asio::ip::make_address(impl_->address, ec);
  if (ec) fail(Errc::invalid_argument, "racs: bad listen address " + impl_->address);
  const tcp::endpoint ep(addr, impl_->config.port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    fail(Errc::io, "racs: cannot listen on " + impl_->address + ":" + std::to_string(impl_->config.port) + ": " +
                       ec.message());
  impl_->accept();
}

void RacsListener::stop() {
  asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
    impl->stopped = true;
    asio::error_code ignored;
    impl->acceptor.close(ignored);
    for (const auto& c : impl->connections)
      asio::post(c->stream.get_executor(), [c] { c->finish("server stopping", false); });
  });
}

std::uint16_t RacsListener::port() const {
  asio::error_code ec;
  const auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

std::size_t RacsListener::session_count() const { return impl_->count; }

}  // namespace sesame::server::racs
