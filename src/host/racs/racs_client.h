// A RACS client: one TLS session (mandatory client certificate; the server pinned by its CA or
// the SHA-256 of its certificate) carrying any number of requests, one at a time. Blocking, with
// a timeout on every network step. Not thread-safe: one thread (or one RacsReader) per client.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/tls_context.h"
#include "host/racs/racs_request.h"
#include "host/racs/racs_response.h"
#include "host/racs/racs_uri.h"
#include "util/bytes.h"
#include "util/error.h"

namespace sesame::host::racs {

// Where the client's TLS material comes from (the `sesame racs` options).
struct RacsCredentials {
  std::filesystem::path cert;  // client certificate PEM (leaf first, then intermediates)
  std::filesystem::path key;   // its private key PEM
  std::filesystem::path ca;    // pin the server's CA (PEM bundle); may be empty when pin_sha256 is set
  std::string pin_sha256;      // pin the server certificate: SHA-256 of its DER, 64 hex digits
                               // (colons allowed, as `openssl x509 -fingerprint -sha256` prints)
};

// Error(Errc::invalid_argument) when neither ca nor pin is given, or the pin is malformed;
// whatever crypto::TlsIdentity / load_certificate_bundle throw for unreadable files.
crypto::TlsContext make_client_tls(const RacsCredentials& credentials);

// An error line from the server (-XNN MMM text). Errc: io for execution, hardware and system
// errors (0, 8, 9); state for unauthorized and in use (6, 7); invalid_argument otherwise.
class RacsError : public Error {
 public:
  explicit RacsError(RacsResult result);
  const RacsResult& result() const noexcept { return result_; }
  ErrorClass error_class() const noexcept { return result_.error_class(); }

 private:
  RacsResult result_;
};

struct RacsClientOptions {
  std::chrono::milliseconds timeout{15000};  // each of connect, handshake, write, read
  ResponseLimits limits;
};

class RacsClient {
 public:
  RacsClient(std::string host, std::uint16_t port, crypto::TlsContext tls, RacsClientOptions options = {});
  ~RacsClient();
  RacsClient(const RacsClient&) = delete;
  RacsClient& operator=(const RacsClient&) = delete;

  // TCP connect and TLS handshake. execute() calls it when there is no session (also after the
  // server closed one). Error(Errc::io) for network failures and timeouts, Error(Errc::crypto)
  // when the handshake fails (the message says why, e.g. the pin did not match).
  void connect();
  // Sends close_notify and closes the socket. The server then powers off the cards this session held.
  void close();
  bool connected() const;
  // "TLSv1.3 TLS_AES_256_GCM_SHA384" while connected.
  std::string tls_summary() const;
  std::string endpoint() const;  // "host:port"
  const std::string& host() const;
  std::uint16_t port() const;

  // Sends one request and returns its response as it came, error lines included. Throws
  // Error(Errc::parse) for a response outside the grammar or not echoing the request's name,
  // Error(Errc::io) for a closed session or a timeout (the session is then dropped).
  RacsResponse execute(const RacsRequest& request);

  // One request each; an error line is thrown as RacsError.
  std::string version();
  void set_version(std::string_view version);
  std::vector<std::string> list();  // the SEIDs this user may see
  std::string echo(std::string_view word);
  Bytes power_on(std::string_view seid);  // the ATR (empty if the server sends none)
  void shutdown(std::string_view seid);
  Bytes reset(std::string_view seid, bool warm);  // the ATR (empty if the server sends none)
  // The response APDU (data || SW1 SW2).
  Bytes apdu(std::string_view seid, ByteView command_apdu, const ApduOptions& options = {});
  // Several APDUs in one request (each with APPEND): one round trip. Stops at the first error
  // line (thrown as RacsError).
  std::vector<Bytes> apdus(std::string_view seid, const std::vector<Bytes>& commands,
                           const ApduOptions& options = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The result texts of a successful response for `command`, in order; throws RacsError for an
// error line and Error(Errc::parse) when no result for the command came back.
std::vector<std::string> result_texts(const RacsResponse& response, Command command);

}  // namespace sesame::host::racs
