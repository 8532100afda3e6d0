// The keyring service (docs/SIGNING.md): the registration authority's, the service providers' and
// the holders' operations on keyrings, over the keyring-scd applet in one hosted card, driven with
// APDUs through CardService (an InProcessReader). The service carries the holder's SPAKE2+ messages
// and sealed envelopes to the applet without being able to read or forge them; it keeps the
// requests, enforces who sees what (a provider only its own requests), request lifetimes and
// single use, and appends every request and decision to the audit log before acting on it.
// Thread-safe: one mutex serialises the operations (the card runs one APDU at a time anyway).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "crypto/ec_key.h"
#include "host/keyring/keyring_types.h"
#include "store/store.h"
#include "util/secure_buffer.h"

namespace sesame::card {
class CardService;
}
namespace sesame::host {
class InProcessReader;
}
namespace sesame::host::keyring {
class KeyringCardClient;
}

namespace sesame::services::keyring {

using host::keyring::ActivationInfo;
using host::keyring::ApprovalResult;
using host::keyring::ExchangeReply;
using host::keyring::KeyringPolicy;
using host::keyring::RequestView;
using host::keyring::SignedPackage;

struct KeyringServiceOptions {
  std::string seid = "keyring";  // the card holding the applet
  // The service's own records (keyrings' signed packages; requests and their results) in the
  // sealed store under this reserved id (no SEID starts with '~').
  std::string state_id = "~keyring";
  Bytes applet_aid = {0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 0x07};  // keyring-scd instance
  std::string applet_module = "sesame.keyring";
  std::function<std::chrono::system_clock::time_point()> clock = [] {
    return std::chrono::system_clock::now();
  };
};

// What the registration authority gets: the code goes to the holder by another channel (letter,
// in person) and is forgotten by the service; the signed package is what the terminal checks.
struct CreatedKeyring {
  std::string keyring_id;        // 32 hex digits
  SecureString activation_code;  // 12 decimal digits
  SignedPackage package;
};

enum class RequestState { pending, approved, rejected, expired };
const char* to_string(RequestState s);

struct ProviderView {
  std::string request_id;
  std::string keyring_id;
  RequestState state = RequestState::pending;
  ApprovalResult result;  // when approved
  Bytes signing_public_key;
};

class KeyringService final : public host::keyring::HolderTransport {
 public:
  // Creates the card and the applet instance when absent and loads the service's records from
  // `store` (the one `cards` uses). `cards`, `store` and `audit` outlive the service.
  KeyringService(card::CardService& cards, store::Store& store, audit::AuditLog& audit,
                 crypto::EcPrivateKey ra_key, KeyringServiceOptions options = {});
  ~KeyringService() override;

  // ---- registration authority ----
  CreatedKeyring create_keyring(const std::string& ra, const std::string& identity,
                                const KeyringPolicy& policy);
  void destroy(const std::string& actor, const std::string& keyring_id);
  const crypto::EcPublicKey& ra_public_key() const { return ra_key_.public_key(); }
  Bytes receipt_public_key();  // the applet's proof-of-transaction key, 04||X||Y

  // ---- service providers ----
  // hash: the SHA-256 digest to sign (32 bytes). Returns the request id. Errc::not_found for an
  // unknown keyring, Errc::state for one not active.
  std::string create_request(const std::string& provider, const std::string& keyring_id,
                             const std::string& description, ByteView hash);
  // Errc::not_found also for another provider's request (it is not told that it exists).
  ProviderView request_status(const std::string& provider, const std::string& request_id);
  std::vector<std::string> list_requests(const std::string& provider);

  // ---- holders (host::keyring::HolderTransport) ----
  ActivationInfo activation_info(const std::string& keyring_id) override;
  ExchangeReply activate_start(const std::string& keyring_id, ByteView share_p) override;
  Bytes activate_finish(const std::string& keyring_id, ByteView confirm_p, ByteView envelope) override;
  std::vector<std::string> pending(const std::string& keyring_id) override;
  RequestView request(const std::string& keyring_id, const std::string& request_id) override;
  ExchangeReply approve_start(const std::string& keyring_id, const std::string& request_id,
                              ByteView share_p) override;
  ApprovalResult approve_finish(const std::string& keyring_id, const std::string& request_id,
                                ByteView confirm_p, ByteView envelope) override;
  void reject(const std::string& keyring_id, const std::string& request_id,
              ByteView device_signature) override;

  // Support view: "created", "active", "locked" and the tries left.
  struct KeyringStatus {
    std::string state;
    int pin_tries = 0, activation_tries = 0;
  };
  KeyringStatus status(const std::string& keyring_id);

 private:
  struct Keyring {
    std::string identity;
    KeyringPolicy policy;
    SignedPackage package;
  };
  struct Request {
    std::string provider, keyring_id, description;
    Bytes hash;
    std::int64_t expires_ms = 0;
    RequestState state = RequestState::pending;
    ApprovalResult result;
  };
  std::int64_t now_ms() const;
  const Keyring& keyring_locked(const std::string& id) const;
  Request& pending_request_locked(const std::string& keyring_id, const std::string& request_id);
  void audit(const std::string& actor, const std::string& action, const std::string& object, bool allowed,
             const std::string& detail = {});
  // Durable before it returns (one store commit); Errc::io on failure.
  void save_keyring_locked(const std::string& id);
  void save_request_locked(const std::string& id);
  void erase_keyring_record_locked(const std::string& id);
  void load_locked();
  [[noreturn]] void refuse(const std::string& actor, const std::string& action, const std::string& object,
                           const Error& e);

  card::CardService& cards_;
  audit::AuditLog& audit_;
  crypto::EcPrivateKey ra_key_;
  KeyringServiceOptions options_;
  std::unique_ptr<store::CardStore> state_;
  std::unique_ptr<host::InProcessReader> reader_;
  std::unique_ptr<host::keyring::KeyringCardClient> card_;
  std::mutex mu_;
  std::map<std::string, Keyring> keyrings_;
  std::map<std::string, Request> requests_;
};

}  // namespace sesame::services::keyring
