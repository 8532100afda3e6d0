// sesamed's RACS listener: TLS (1.2/1.3, mandatory client certificate) on listen_address:port,
// one RacsSession per connection, with the limits of [racs]: maximum sessions, handshake timeout,
// idle timeout and session lifetime. Connections are spread round-robin over the IoLoops (one
// io_context and thread each, racs.io_threads of them); each connection's handlers, its session work
// (CardService calls) included, run on its loop's one thread; only powering off a closed session's
// cards goes to the card pool.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "server/racs/racs_config.h"

namespace asio {
class thread_pool;
}  // namespace asio

namespace sesame::card {
class CardService;
}
namespace sesame::crypto {
class TlsContext;
}

namespace sesame::server {
class CardLocks;
class IoLoops;
}

namespace sesame::server::racs {

class PolicySource;
class AuditLog;

class RacsListener {
 public:
  // `tls` must be a server context (crypto::TlsContext::make_server). `policy` and `audit` must
  // outlive the listener. config.port 0 picks a free port (tests), see port(). `locks`: the card
  // locks shared with sesamed's other transports (the vpcd slots), outliving the listener; null
  // gives the listener locks of its own.
  // The listener accepts on loops.loop(0); `loops` must outlive it.
  RacsListener(IoLoops& loops, asio::thread_pool& card_pool, card::CardService& cards,
               const RacsConfig& config, const crypto::TlsContext& tls, const PolicySource& policy,
               AuditLog& audit, std::string listen_address, CardLocks* locks = nullptr);
  ~RacsListener();
  RacsListener(const RacsListener&) = delete;
  RacsListener& operator=(const RacsListener&) = delete;

  // Binds and listens. Error(Errc::io) if the address cannot be bound.
  void start();
  // Stops accepting and ends every session (their cards are powered off on the card pool).
  // Asynchronous: the loops' run() returns once all of it is done and IoLoops::release() was called.
  void stop();

  std::uint16_t port() const;
  std::size_t session_count() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace sesame::server::racs
