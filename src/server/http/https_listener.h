// sesamed's HTTPS listener (docs/HTTP.md): TLS 1.2/1.3 (crypto::TlsContext), HTTP/1.1 with
// keep-alive, one request at a time per connection, requests handled inline on the connection's
// I/O loop (as RACS does). Limits: connections, header and body sizes, a deadline for the whole
// request once it started and an idle timeout between requests. Every refusal is a problem document.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "server/http/request_parser.h"
#include "server/http/router.h"

namespace sesame::crypto {
class TlsContext;
}
namespace sesame::server {
class IoLoops;
}

namespace sesame::server::http {

struct ListenerLimits {
  std::size_t max_connections = 1024;
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds request_timeout{30};  // from a request's first byte to its last
  std::chrono::seconds idle_timeout{120};    // between requests on a kept-alive connection
  Limits request;
};

class HttpsListener {
 public:
  // `router` and `loops` must outlive the listener. port 0: a free port (tests), see port().
  HttpsListener(IoLoops& loops, const crypto::TlsContext& tls, const Router& router, std::string address,
                std::uint16_t port, ListenerLimits limits = {});
  ~HttpsListener();
  HttpsListener(const HttpsListener&) = delete;
  HttpsListener& operator=(const HttpsListener&) = delete;

  void start();  // binds and listens; Error(Errc::io) if it cannot
  void stop();   // stops accepting and closes every connection (asynchronous)
  std::uint16_t port() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace sesame::server::http
