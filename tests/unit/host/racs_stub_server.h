// A tiny RACS server for the client tests: TLS with crypto::TlsContext (client certificate
// required), one connection at a time, each request (BEGIN ... END) handed to a callback whose
// reply is sent back verbatim. Blocking Asio on its own thread.
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "crypto/tls_context.h"

namespace sesame::host::racs::testing {

struct StubReply {
  std::string text;          // sent as is
  bool close_after = false;  // then close the connection
  bool silent = false;       // send nothing (the client should time out)

  static StubReply send(std::string t) { return {std::move(t), false, false}; }
  static StubReply send_and_close(std::string t) { return {std::move(t), true, false}; }
  static StubReply nothing() { return {"", false, true}; }
};

class StubRacsServer {
 public:
  using Handler = std::function<StubReply(const std::vector<std::string>& request_lines)>;

  StubRacsServer(const crypto::TlsContext& tls, Handler handler)
      : ssl_ctx_(static_cast<asio::ssl::context::native_handle_type>(tls.new_reference())),
        acceptor_(io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        handler_(std::move(handler)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }

  ~StubRacsServer() {
    stop_ = true;
    try {  // wake the blocking accept
      asio::io_context io;
      asio::ip::tcp::socket s(io);
      s.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    } catch (...) {
    }
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  int connections() const { return connections_; }
  int handshakes() const { return handshakes_; }
  std::vector<std::vector<std::string>> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::string peer_cn() const {
    std::lock_guard lock(mutex_);
    return peer_cn_;
  }

 private:
  void serve() {
    while (!stop_) {
      asio::ssl::stream<asio::ip::tcp::socket> stream(io_, ssl_ctx_);
      asio::error_code ec;
      acceptor_.accept(stream.lowest_layer(), ec);
      if (ec || stop_) continue;
      ++connections_;
      stream.handshake(asio::ssl::stream_base::server, ec);
      if (ec) continue;
      ++handshakes_;
      if (auto cert = crypto::peer_certificate(stream.native_handle())) {
        std::lock_guard lock(mutex_);
        peer_cn_ = cert->subject_cn().value_or("");
      }
      session(stream);
    }
  }

  void session(asio::ssl::stream<asio::ip::tcp::socket>& stream) {
    std::string buf;
    std::vector<std::string> lines;
    for (;;) {
      asio::error_code ec;
      const std::size_t n = asio::read_until(stream, asio::dynamic_buffer(buf), '\n', ec);
      if (ec) return;
      std::string line = buf.substr(0, n - 1);
      buf.erase(0, n);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(line);
      if (line != "END") continue;
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(lines);
      }
      const StubReply reply = handler_(lines);
      lines.clear();
      if (reply.silent) continue;
      asio::write(stream, asio::buffer(reply.text), ec);
      if (ec) return;
      if (reply.close_after) {
        stream.shutdown(ec);
        return;
      }
    }
  }

  asio::io_context io_;
  asio::ssl::context ssl_ctx_;
  asio::ip::tcp::acceptor acceptor_;
  Handler handler_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0}, handshakes_{0};
  mutable std::mutex mutex_;
  std::vector<std::vector<std::string>> requests_;
  std::string peer_cn_;
};

}  // namespace sesame::host::racs::testing
