// A blocking TLS client connection with a timeout on every step (connect, handshake, write, read),
// for the host-side clients that speak a protocol over TLS: the RACS client and the eID back-end
// client. Asio stays inside the .cpp. Not thread-safe: one thread per connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sesame::crypto {
class TlsContext;
}

namespace sesame::host {

class TlsConnection {
 public:
  // `tls`: a client context (its trust: CA bundle and/or pinned certificate). `label` starts every
  // error text, e.g. "RACS host:port".
  TlsConnection(const crypto::TlsContext& tls, std::string host, std::uint16_t port, std::chrono::milliseconds timeout,
                std::string label);
  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  bool is_open() const;
  // Closes any previous connection, resolves, connects and runs the TLS handshake, checking the
  // peer's certificate against `host` and the context's trust. Error(Errc::io) for network failures
  // and timeouts; Error(Errc::crypto, "<label>: TLS handshake failed<hint>: <why>") when the peer
  // is refused. Nothing stays open after a failure.
  void connect(std::string_view handshake_hint = {});
  // Drops the connection (idempotent).
  void close();
  // Sends close_notify and waits for the peer's for at most `max` (or the step timeout if shorter),
  // then drops the connection: a peer that does not answer does not hold the caller up.
  void shutdown(std::chrono::milliseconds max);
  // Error(Errc::io) on failure or timeout; the connection is then closed.
  void write(std::string_view data);
  // Appends what arrives next to `buffer`. False when the peer ended the connection (FIN or
  // close_notify; it is then closed). Error(Errc::io) for other failures and timeouts.
  bool read_some(std::string& buffer);
  // For an idle connection: whether the peer has ended it (FIN or close_notify waiting) or sent
  // bytes nobody asked for; checked before reusing a connection.
  bool peer_went_away();

  const std::string& label() const;
  // "TLSv1.3 TLS_AES_128_GCM_SHA256"-style summary of the open session; empty when closed.
  std::string tls_summary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sesame::host
