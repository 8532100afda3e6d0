// The front end's HTTPS link to the verification back end (docs/EID.md, "wire format"): one TLS
// connection, kept alive, the server authenticated by pinning — its CA certificate or the SHA-256
// of its certificate — never by the system's trust store. Blocking, a timeout on every step.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "host/eid/eid_front_end.h"

namespace sesame::host::eid {

struct BackEndEndpoint {
  std::string host;
  std::uint16_t port = 8443;
  std::filesystem::path ca;  // pin the back end's CA (PEM); may be empty when pin_sha256 is set
  std::string pin_sha256;    // pin its certificate: SHA-256 of the DER, 64 hex digits (colons allowed)
  std::chrono::milliseconds timeout{15000};
};

// "https://host:port" (port default 443; IPv6 in brackets) into host and port.
// Error(Errc::invalid_argument) for anything else (a path is refused too).
void parse_back_end_url(const std::string& url, BackEndEndpoint& endpoint);

class HttpsBackEndLink final : public BackEndLink {
 public:
  // Error(Errc::invalid_argument) when neither ca nor pin_sha256 is given or the pin is malformed.
  explicit HttpsBackEndLink(BackEndEndpoint endpoint);
  ~HttpsBackEndLink() override;

  crypto::EcPublicKey handover_key() override;
  Bytes start(const std::string& transaction_id, const crypto::EcdhEnvelope& handover) override;
  std::optional<Bytes> respond(const std::string& transaction_id, ByteView response_apdu) override;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sesame::host::eid
