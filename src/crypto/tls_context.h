// TLS configuration for every listener and client in sesame (RACS, HTTPS): one OpenSSL SSL_CTX,
// built and locked down here so no other layer calls OpenSSL. server/ and host/ own the sockets
// and run the handshake with Asio (asio::ssl::context wraps the handle; see docs/DECISIONS.md D9).
//
// Policy, not options: TLS 1.2 and 1.3 only; TLS 1.2 suites are ECDHE with AES-GCM or
// ChaCha20-Poly1305 only; TLS 1.3 suites AES-GCM / ChaCha20-Poly1305; groups X25519, P-256,
// P-384; no renegotiation, no compression. A server always demands a client certificate
// (clientAuth purpose) chaining to one of its client CAs; a client always verifies the server.
//
// A TlsContext is immutable after construction and may be shared by many threads and sessions.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/any_key.h"
#include "crypto/x509.h"
#include "util/bytes.h"

namespace sesame::crypto {

// A certificate, the intermediates sent with it, and its private key.
struct TlsIdentity {
  Certificate certificate;
  std::vector<Certificate> chain;  // intermediates, leaf's issuer first (may be empty)
  PrivateKey key;

  // `cert_pem` holds the leaf first, then any intermediates. Error(Errc::io) for an unreadable
  // file, Error(Errc::parse/crypto) for bad contents, Error(Errc::crypto) if the key does not
  // belong to the certificate.
  static TlsIdentity from_pem_files(const std::filesystem::path& cert_pem, const std::filesystem::path& key_pem);
};

// Every CERTIFICATE block of a PEM bundle file (a CA file). Error(Errc::io/parse).
std::vector<Certificate> load_certificate_bundle(const std::filesystem::path& pem_file);

struct TlsServerConfig {
  TlsIdentity identity;
  // Trust anchors for client certificates (at least one).
  std::vector<Certificate> client_cas;
  int verify_depth = 4;  // maximum intermediates between the client certificate and an anchor
  // false: a client may come without a certificate (the service authenticates it otherwise); one it
  // does present must still verify against client_cas.
  bool client_certificate_required = true;
};

struct TlsClientConfig {
  std::optional<TlsIdentity> identity;  // the client certificate (RACS needs one)
  // Trust anchors for the server's chain ("pin the CA": give exactly that CA). May be empty only
  // when `pinned_sha256` is set: then the pin alone authenticates the server (a self-signed
  // server certificate works).
  std::vector<Certificate> trusted_cas;
  // SHA-256 of the server certificate's DER (32 bytes): the server's leaf must match, in addition
  // to the chain check when `trusted_cas` is not empty.
  std::optional<Bytes> pinned_sha256;
  int verify_depth = 4;
};

class TlsContext {
 public:
  // Error(Errc::invalid_argument) for an unusable config (no CA, pin not 32 bytes, key that does
  // not match the certificate), Error(Errc::crypto) if OpenSSL refuses it.
  static TlsContext make_server(const TlsServerConfig& config);
  static TlsContext make_client(const TlsClientConfig& config);

  bool is_server() const noexcept;

  // The SSL_CTX*, owned by this object (valid while it or a copy lives). Only crypto/ interprets it.
  void* native_handle() const noexcept;
  // A new reference to the same SSL_CTX (SSL_CTX_up_ref), for an owner that frees it itself:
  //   asio::ssl::context ctx(static_cast<asio::ssl::context::native_handle_type>(tls.new_reference()));
  // Safe after this TlsContext is gone: everything the SSL_CTX needs lives in it.
  void* new_reference() const;

  struct Impl;

 private:
  explicit TlsContext(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

// Gives back a reference from TlsContext::new_reference() that no owner took over (SSL_CTX_free).
void tls_release_reference(void* ssl_ctx) noexcept;

// --- Per connection. `ssl` is an SSL* (asio::ssl::stream<...>::native_handle()). ---

// Client side, before the handshake: sends SNI `host` (unless it is an IP address) and, when the
// context verifies a chain (trusted_cas not empty), requires the server certificate to name `host`
// (DNS name or IP address in subjectAltName). Error(Errc::crypto) if OpenSSL refuses.
void tls_set_peer_host(void* ssl, const std::string& host);

// After the handshake: the certificate the peer presented (verified by then), or nullopt.
std::optional<Certificate> peer_certificate(void* ssl);

// After the handshake: "TLSv1.3 TLS_AES_256_GCM_SHA384", for logs.
std::string tls_session_summary(void* ssl);

// After a failed handshake: why certificate verification failed ("certificate has expired"),
// or empty if it did not fail there.
std::string tls_verify_error(void* ssl);

}  // namespace sesame::crypto
