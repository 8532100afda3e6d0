#include "server/http/https_listener.h"

#include <spdlog/spdlog.h>

#include <array>
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <set>

#include "crypto/tls_context.h"
#include "server/io_loops.h"
#include "util/error.h"

namespace sesame::server::http {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct HttpConnection;

struct HttpsListener::Impl : std::enable_shared_from_this<HttpsListener::Impl> {
  Impl(IoLoops& l, const crypto::TlsContext& tls, const Router& r, std::string a, std::uint16_t p,
       ListenerLimits lim)
      : loops(l),
        ssl(static_cast<asio::ssl::context::native_handle_type>(tls.new_reference())),
        router(r),
        address(std::move(a)),
        port(p),
        limits(lim),
        acceptor(asio::make_strand(l.loop(0))) {}

  IoLoops& loops;
  asio::ssl::context ssl;
  const Router& router;
  std::string address;
  std::uint16_t port;
  ListenerLimits limits;
  tcp::acceptor acceptor;
  std::set<std::shared_ptr<HttpConnection>> connections;  // on the acceptor's strand only
  std::size_t next_loop = 0;
  bool stopped = false;

  void accept();
  void remove(const std::shared_ptr<HttpConnection>& c) {
    asio::post(acceptor.get_executor(), [self = shared_from_this(), c] { self->connections.erase(c); });
  }
};

struct HttpConnection : std::enable_shared_from_this<HttpConnection> {
  HttpConnection(HttpsListener::Impl& l, tcp::socket s)
      : listener(l.shared_from_this()),
        stream(std::move(s), l.ssl),
        timer(stream.get_executor()),
        parser(l.limits.request) {}

  std::shared_ptr<HttpsListener::Impl> listener;
  asio::ssl::stream<tcp::socket> stream;
  asio::steady_timer timer;  // the one deadline in force: handshake, request or idle
  RequestParser parser;
  std::array<char, 8192> buf{};
  std::string pending;  // bytes read but not yet parsed (a pipelined next request)
  std::string out;
  Peer peer;
  bool finished = false;

  void start() {
    asio::error_code ec;
    const auto ep = stream.lowest_layer().remote_endpoint(ec);
    peer.address = ec ? "unknown" : ep.address().to_string() + ":" + std::to_string(ep.port());
    stream.lowest_layer().set_option(tcp::no_delay(true), ec);
    arm(listener->limits.handshake_timeout, "TLS handshake timeout");
    stream.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](const asio::error_code& e) {
      if (self->finished) return;
      if (e) {
        const std::string why = crypto::tls_verify_error(self->stream.native_handle());
        spdlog::info("https: TLS handshake with {} failed: {}{}", self->peer.address, e.message(),
                     why.empty() ? "" : " (" + why + ")");
        return self->finish(false);
      }
      if (const auto cert = crypto::peer_certificate(self->stream.native_handle()))
        self->peer.client_cn = cert->subject_cn().value_or("");
      self->arm(self->listener->limits.idle_timeout, "idle timeout");
      self->read();
    });
  }

  void arm(std::chrono::seconds d, const char* why) {
    timer.expires_after(d);
    timer.async_wait([self = shared_from_this(), why](const asio::error_code& e) {
      if (e || self->finished) return;
      spdlog::info("https: {} closing: {}", self->peer.address, why);
      self->finish(true);
    });
  }

  void read() {
    if (finished) return;
    stream.async_read_some(asio::buffer(buf), [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
      if (self->finished) return;
      if (ec) return self->finish(false);
      const bool idle = self->pending.empty();
      self->pending.append(self->buf.data(), n);
      if (idle) self->arm(self->listener->limits.request_timeout, "request timeout");
      self->parse();
    });
  }

  void parse() {
    const std::size_t used = parser.feed(pending);
    pending.erase(0, used);
    if (const auto& err = parser.error()) return respond(Response::problem(err->status, err->detail), false);
    if (!parser.complete()) {
      if (!pending.empty() && used == 0) return respond(Response::problem(400, "malformed request"), false);
      return read();
    }
    Request req = parser.take();
    Response res = listener->router.dispatch(req, peer);
    respond(std::move(res), req.keep_alive && !listener->stopped);
  }

  void respond(const Response& res, bool keep_alive) {
    out = serialize(res, keep_alive);
    asio::async_write(stream, asio::buffer(out),
                      [self = shared_from_this(), keep_alive](const asio::error_code& ec, std::size_t) {
                        if (self->finished) return;
                        if (ec || !keep_alive) return self->finish(!ec);
                        if (!self->pending.empty()) {  // a pipelined request: its own deadline
                          self->arm(self->listener->limits.request_timeout, "request timeout");
                          return self->parse();
                        }
                        self->arm(self->listener->limits.idle_timeout, "idle timeout");
                        self->read();
                      });
  }

  void finish(bool polite) {
    if (finished) return;
    finished = true;
    timer.cancel();
    asio::error_code ignored;
    if (polite) {
      stream.lowest_layer().cancel(ignored);
      timer.expires_after(std::chrono::seconds(1));
      timer.async_wait([self = shared_from_this()](const asio::error_code&) { self->close(); });
      stream.async_shutdown([self = shared_from_this()](const asio::error_code&) { self->close(); });
    } else {
      close();
    }
    listener->remove(shared_from_this());
  }

  void close() {
    asio::error_code ignored;
    timer.cancel();
    stream.lowest_layer().close(ignored);
  }
};

void HttpsListener::Impl::accept() {
  asio::io_context& loop = loops.loop(next_loop++ % loops.size());
  acceptor.async_accept(loop, [self = shared_from_this()](const asio::error_code& ec, tcp::socket s) {
    if (self->stopped) return;
    if (ec) {
      spdlog::warn("https: accept failed: {}", ec.message());
      if (ec == asio::error::no_descriptors) {
        auto t = std::make_shared<asio::steady_timer>(self->acceptor.get_executor(), std::chrono::milliseconds(100));
        t->async_wait([self, t](const asio::error_code&) {
          if (!self->stopped) self->accept();
        });
        return;
      }
      return self->accept();
    }
    if (self->connections.size() >= self->limits.max_connections) {
      spdlog::warn("https: {} connections open (http.max_connections); refusing one", self->connections.size());
      asio::error_code ignored;
      s.close(ignored);
      return self->accept();
    }
    auto c = std::make_shared<HttpConnection>(*self, std::move(s));
    self->connections.insert(c);
    asio::post(c->stream.get_executor(), [c] { c->start(); });
    self->accept();
  });
}

HttpsListener::HttpsListener(IoLoops& loops, const crypto::TlsContext& tls, const Router& router,
                             std::string address, std::uint16_t port, ListenerLimits limits)
    : impl_(std::make_shared<Impl>(loops, tls, router, std::move(address), port, limits)) {
  if (!tls.is_server()) fail(Errc::invalid_argument, "https: the listener needs a server TLS context");
}

HttpsListener::~HttpsListener() { impl_->stopped = true; }

void HttpsListener::start() {
  asio::error_code ec;
  const auto addr = asio::ip::make_address(impl_->address, ec);
  if (ec) fail(Errc::invalid_argument, "https: bad listen address " + impl_->address);
  const tcp::endpoint ep(addr, impl_->port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    fail(Errc::io, "https: cannot listen on " + impl_->address + ":" + std::to_string(impl_->port) + ": " + ec.message());
  impl_->accept();
}

void HttpsListener::stop() {
  asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
    impl->stopped = true;
    asio::error_code ignored;
    impl->acceptor.close(ignored);
    for (const auto& c : impl->connections)
      asio::post(c->stream.get_executor(), [c] { c->finish(false); });
  });
}

std::uint16_t HttpsListener::port() const {
  asio::error_code ec;
  const auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

}  // namespace sesame::server::http
