#include "services/keyring/keyring_service.h"

#include <nlohmann/json.hpp>

#include "audit/audit_entry.h"
#include "card/card_service.h"
#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "crypto/spake2plus.h"
#include "host/in_process_reader.h"
#include "host/keyring/keyring_card_client.h"
#include "iso7816/keyring_protocol.h"
#include "util/base64.h"
#include "util/hex.h"

namespace sesame::services::keyring {
namespace {

namespace kp = iso7816::keyring;
namespace spake = crypto::spake2plus;
using host::keyring::KeyringCardRefused;

std::string holder_actor(const std::string& keyring_id) {
  return "holder:" + keyring_id;
}

// The applet's refusal as the service's error (D6 style: refusals are Errc::crypto).
Error card_error(const KeyringCardRefused& e) {
  switch (e.sw()) {
    case 0x6982: return Error(Errc::crypto, "refused: wrong code or PIN, or an altered or replayed message");
    case 0x6A80: return Error(Errc::crypto, "refused: a malformed or altered message");
    case 0x6983: return Error(Errc::state, "the keyring is locked");
    case 0x6985: return Error(Errc::state, "the keyring is not in the state this needs");
    case 0x6A88: return Error(Errc::not_found, "no such keyring");
    case 0x6984: return Error(Errc::integrity, "a record of this keyring does not belong to it");
    default: return Error(Errc::io, "keyring card failure");
  }
}

template <class F>
auto on_card(F&& f) {
  try {
    return f();
  } catch (const KeyringCardRefused& e) {
    throw card_error(e);
  }
}

Bytes id_bytes(const std::string& id) {
  if (id.size() != 2 * kp::kKeyringIdSize) throw Error(Errc::not_found, "no such keyring");
  try {
    return from_hex(id);
  } catch (const Error&) {
    throw Error(Errc::not_found, "no such keyring");
  }
}

SecureString activation_code() {
  SecureString code;
  while (code.size() < 12) {
    const Bytes r = crypto::random_bytes(16);
    for (const auto b : r)
      if (b < 250 && code.size() < 12) code.push_back(static_cast<char>('0' + b % 10));  // unbiased
  }
  return code;
}

}  // namespace

const char* to_string(RequestState s) {
  switch (s) {
    case RequestState::pending: return "pending";
    case RequestState::approved: return "approved";
    case RequestState::rejected: return "rejected";
    case RequestState::expired: return "expired";
  }
  return "unknown";
}

KeyringService::KeyringService(card::CardService& cards, store::Store& store, audit::AuditLog& audit,
                               crypto::EcPrivateKey ra_key, KeyringServiceOptions options)
    : cards_(cards), audit_(audit), ra_key_(std::move(ra_key)), options_(std::move(options)) {
  if (!store.card_exists(options_.state_id)) store.create_card(options_.state_id);
  state_ = store.open_card(options_.state_id);
  load_locked();
  if (!cards_.exists(options_.seid)) {
    cards_.create_card({.seid = options_.seid, .label = "keyring-scd"});
    cards_.install_applet(options_.seid, options_.applet_module, options_.applet_aid, {});
  }
  reader_ = std::make_unique<host::InProcessReader>(cards_, options_.seid);
  reader_->connect();
  card_ = std::make_unique<host::keyring::KeyringCardClient>(*reader_, options_.applet_aid);
  on_card([&] {
    card_->select();
    return 0;
  });
}

KeyringService::~KeyringService() = default;

// ---- the service's records: "k/<keyring id>" = the signed package, "r/<request id>" = a request ----

void KeyringService::load_locked() {
  using nlohmann::json;
  for (const auto& [key, value] : state_->load()) {
    const std::string text(reinterpret_cast<const char*>(value.view().data()), value.size());
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) throw Error(Errc::integrity, "keyring service: unreadable record " + key);
    if (key.rfind("k/", 0) == 0) {
      SignedPackage sp{base64url_decode(j.at("package").get<std::string>()),
                       base64url_decode(j.at("signature").get<std::string>())};
      const auto pkg = host::keyring::decode_package(sp.package);
      if (to_hex(pkg.keyring_id) != key.substr(2))
        throw Error(Errc::integrity, "keyring service: a moved record");
      keyrings_[key.substr(2)] = Keyring{pkg.identity, pkg.policy, std::move(sp)};
    } else if (key.rfind("r/", 0) == 0) {
      Request r;
      r.provider = j.at("provider");
      r.keyring_id = j.at("keyring");
      r.description = j.at("description");
      r.hash = base64url_decode(j.at("hash").get<std::string>());
      r.expires_ms = j.at("expires");
      r.state = static_cast<RequestState>(j.at("state").get<int>());
      r.result = {base64url_decode(j.at("sig").get<std::string>()),
                  base64url_decode(j.at("receipt").get<std::string>()),
                  base64url_decode(j.at("rsig").get<std::string>())};
      requests_[key.substr(2)] = std::move(r);
    }
  }
}

static store::Change change_of(std::string key, const std::string& text) {
  return store::Change{std::move(key), SecureBytes(as_bytes(text))};
}

void KeyringService::save_keyring_locked(const std::string& id) {
  const Keyring& k = keyrings_.at(id);
  const nlohmann::json j{{"package", base64url_encode(k.package.package)},
                         {"signature", base64url_encode(k.package.signature)}};
  state_->commit({change_of("k/" + id, j.dump())});
}

void KeyringService::erase_keyring_record_locked(const std::string& id) {
  state_->commit({store::Change{"k/" + id, std::nullopt}});
}

void KeyringService::save_request_locked(const std::string& id) {
  const Request& r = requests_.at(id);
  const nlohmann::json j{{"provider", r.provider},
                         {"keyring", r.keyring_id},
                         {"description", r.description},
                         {"hash", base64url_encode(r.hash)},
                         {"expires", r.expires_ms},
                         {"state", static_cast<int>(r.state)},
                         {"sig", base64url_encode(r.result.signature)},
                         {"receipt", base64url_encode(r.result.receipt)},
                         {"rsig", base64url_encode(r.result.receipt_signature)}};
  state_->commit({change_of("r/" + id, j.dump())});
}

std::int64_t KeyringService::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(options_.clock().time_since_epoch()).count();
}

void KeyringService::audit(const std::string& actor, const std::string& action, const std::string& object,
                           bool allowed, const std::string& detail) {
  audit_.append(audit::Record{actor, action, object,
                              allowed ? audit::Decision::allowed : audit::Decision::denied, detail});
}

void KeyringService::refuse(const std::string& actor, const std::string& action, const std::string& object,
                            const Error& e) {
  audit(actor, action, object, false, e.what());
  throw e;
}

const KeyringService::Keyring& KeyringService::keyring_locked(const std::string& id) const {
  const auto it = keyrings_.find(id);
  if (it == keyrings_.end()) throw Error(Errc::not_found, "no such keyring");
  return it->second;
}

CreatedKeyring KeyringService::create_keyring(const std::string& ra, const std::string& identity,
                                              const KeyringPolicy& policy) {
  host::keyring::validate(policy);
  if (identity.empty() || identity.size() > 1024)
    throw Error(Errc::invalid_argument, "identity: 1..1024 bytes");
  host::keyring::ActivationPackage pkg;
  pkg.keyring_id = crypto::random_bytes(kp::kKeyringIdSize);
  pkg.identity = identity;
  pkg.policy = policy;
  pkg.salt = crypto::random_bytes(kp::kSaltSize);
  pkg.created_ms = now_ms();
  CreatedKeyring out;
  out.keyring_id = to_hex(pkg.keyring_id);
  out.activation_code = activation_code();
  crypto::ScryptParams sp;
  sp.n = std::uint64_t{1} << policy.scrypt_log2_n;
  const auto secret = spake::prover_secret_from_pbkdf_output(
      spake::stretch_password(
          as_bytes(std::string_view(out.activation_code.data(), out.activation_code.size())), pkg.salt,
          kp::activation_context(pkg.keyring_id), sp)
          .view());
  const spake::VerifierRecord rec = spake::make_verifier_record(secret);
  const std::lock_guard lock(mu_);  // the scrypt stretch above runs outside the lock
  out.package.package = host::keyring::encode_package(pkg);
  out.package.signature = crypto::ecdsa_sign(ra_key_, crypto::SignatureHash::sha256, out.package.package,
                                             crypto::EcdsaFormat::raw);
  audit(ra, "keyring.create", out.keyring_id, true,
        "policy min PIN " + std::to_string(policy.min_pin_length));
  on_card([&] {
    card_->create(pkg.keyring_id, policy.try_limit, policy.min_pin_length, rec.w0.view(), rec.l);
    return 0;
  });
  keyrings_[out.keyring_id] = Keyring{identity, policy, out.package};
  save_keyring_locked(out.keyring_id);
  return out;
}

void KeyringService::destroy(const std::string& actor, const std::string& keyring_id) {
  const std::lock_guard lock(mu_);
  keyring_locked(keyring_id);
  audit(actor, "keyring.destroy", keyring_id, true);
  on_card([&] {
    card_->destroy(id_bytes(keyring_id));
    return 0;
  });
  keyrings_.erase(keyring_id);
  erase_keyring_record_locked(keyring_id);
  for (auto& [id, r] : requests_)
    if (r.keyring_id == keyring_id && r.state == RequestState::pending) {
      r.state = RequestState::expired;
      save_request_locked(id);
    }
}

Bytes KeyringService::receipt_public_key() {
  const std::lock_guard lock(mu_);
  return on_card([&] { return card_->receipt_key(); });
}

KeyringService::KeyringStatus KeyringService::status(const std::string& keyring_id) {
  const std::lock_guard lock(mu_);
  keyring_locked(keyring_id);
  const auto info = on_card([&] { return card_->info(id_bytes(keyring_id)); });
  KeyringStatus s;
  s.state = info.state == kp::KeyringState::created  ? "created"
            : info.state == kp::KeyringState::active ? "active"
                                                     : "locked";
  s.pin_tries = info.pin_tries;
  s.activation_tries = info.activation_tries;
  return s;
}

// ---- providers ----

std::string KeyringService::create_request(const std::string& provider, const std::string& keyring_id,
                                           const std::string& description, ByteView hash) {
  if (hash.size() != kp::kHashSize) throw Error(Errc::invalid_argument, "the hash must be a SHA-256 digest");
  if (description.empty() || description.size() > 4096)
    throw Error(Errc::invalid_argument, "the description must be 1..4096 bytes");
  const std::lock_guard lock(mu_);
  try {
    const Keyring& k = keyring_locked(keyring_id);
    const auto info = on_card([&] { return card_->info(id_bytes(keyring_id)); });
    if (info.state != kp::KeyringState::active) throw Error(Errc::state, "the keyring is not active");
    const std::string rid = to_hex(crypto::random_bytes(16));
    audit(provider, "sign.request", keyring_id, true,
          "request " + rid + " hash " + to_hex(hash) + " description sha256 " +
              to_hex(crypto::sha256(as_bytes(description))));
    requests_[rid] = Request{provider,
                             keyring_id,
                             description,
                             Bytes(hash.begin(), hash.end()),
                             now_ms() + std::int64_t{k.policy.request_lifetime_s} * 1000,
                             RequestState::pending,
                             {}};
    save_request_locked(rid);
    return rid;
  } catch (const Error& e) {
    refuse(provider, "sign.request", keyring_id, e);
  }
}

ProviderView KeyringService::request_status(const std::string& provider, const std::string& request_id) {
  const std::lock_guard lock(mu_);
  const auto it = requests_.find(request_id);
  if (it == requests_.end() || it->second.provider != provider) {
    audit(provider, "sign.status", request_id, false, "unknown or another provider's request");
    throw Error(Errc::not_found, "no such request");
  }
  Request& r = it->second;
  if (r.state == RequestState::pending && now_ms() > r.expires_ms) r.state = RequestState::expired;
  ProviderView v{request_id, r.keyring_id, r.state, r.result, {}};
  if (keyrings_.count(r.keyring_id))
    v.signing_public_key = on_card([&] { return card_->info(id_bytes(r.keyring_id)).public_key; });
  return v;
}

std::vector<std::string> KeyringService::list_requests(const std::string& provider) {
  const std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [id, r] : requests_)
    if (r.provider == provider) out.push_back(id);
  return out;
}

// ---- holders ----

ActivationInfo KeyringService::activation_info(const std::string& keyring_id) {
  const std::lock_guard lock(mu_);
  const Keyring& k = keyring_locked(keyring_id);
  const auto info = on_card([&] { return card_->info(id_bytes(keyring_id)); });
  return {k.package, info.state != kp::KeyringState::created};
}

ExchangeReply KeyringService::activate_start(const std::string& keyring_id, ByteView share_p) {
  const std::lock_guard lock(mu_);
  const std::string actor = holder_actor(keyring_id);
  try {
    keyring_locked(keyring_id);
    audit(actor, "keyring.activate.start", keyring_id, true);
    const auto r = on_card([&] { return card_->activate_start(id_bytes(keyring_id), share_p); });
    return {r.share_v, r.confirm_v};
  } catch (const Error& e) {
    refuse(actor, "keyring.activate.start", keyring_id, e);
  }
}

Bytes KeyringService::activate_finish(const std::string& keyring_id, ByteView confirm_p, ByteView envelope) {
  const std::lock_guard lock(mu_);
  const std::string actor = holder_actor(keyring_id);
  try {
    keyring_locked(keyring_id);
    Bytes pub = on_card([&] { return card_->activate_finish(id_bytes(keyring_id), confirm_p, envelope); });
    audit(actor, "keyring.activate", keyring_id, true, "signing key " + to_hex(crypto::sha256(pub)));
    return pub;
  } catch (const Error& e) {
    refuse(actor, "keyring.activate", keyring_id, e);
  }
}

std::vector<std::string> KeyringService::pending(const std::string& keyring_id) {
  const std::lock_guard lock(mu_);
  keyring_locked(keyring_id);
  std::vector<std::string> out;
  const std::int64_t now = now_ms();
  for (auto& [id, r] : requests_) {
    if (r.keyring_id != keyring_id || r.state != RequestState::pending) continue;
    if (now > r.expires_ms) {
      r.state = RequestState::expired;
      continue;
    }
    out.push_back(id);
  }
  return out;
}

KeyringService::Request& KeyringService::pending_request_locked(const std::string& keyring_id,
                                                                const std::string& request_id) {
  const auto it = requests_.find(request_id);
  if (it == requests_.end() || it->second.keyring_id != keyring_id)
    throw Error(Errc::not_found, "no such request");
  Request& r = it->second;
  if (r.state == RequestState::pending && now_ms() > r.expires_ms) r.state = RequestState::expired;
  if (r.state != RequestState::pending)
    throw Error(Errc::state, std::string("the request is ") + to_string(r.state) + ", not pending");
  return r;
}

RequestView KeyringService::request(const std::string& keyring_id, const std::string& request_id) {
  const std::lock_guard lock(mu_);
  const Keyring& k = keyring_locked(keyring_id);
  const Request& r = pending_request_locked(keyring_id, request_id);
  const auto info = on_card([&] { return card_->info(id_bytes(keyring_id)); });
  return {request_id, r.description, r.hash, info.pin_salt, k.policy.scrypt_log2_n, r.expires_ms};
}

ExchangeReply KeyringService::approve_start(const std::string& keyring_id, const std::string& request_id,
                                            ByteView share_p) {
  const std::lock_guard lock(mu_);
  const std::string actor = holder_actor(keyring_id);
  try {
    keyring_locked(keyring_id);
    const Request& r = pending_request_locked(keyring_id, request_id);
    audit(actor, "sign.approve.start", request_id, true, "a PIN try is spent until the approval completes");
    const Bytes rid(request_id.begin(), request_id.end());
    const auto x = on_card([&] {
      return card_->approve_start(id_bytes(keyring_id), rid, r.hash, crypto::sha256(as_bytes(r.description)),
                                  share_p);
    });
    return {x.share_v, x.confirm_v};
  } catch (const Error& e) {
    refuse(actor, "sign.approve.start", request_id, e);
  }
}

ApprovalResult KeyringService::approve_finish(const std::string& keyring_id, const std::string& request_id,
                                              ByteView confirm_p, ByteView envelope) {
  const std::lock_guard lock(mu_);
  const std::string actor = holder_actor(keyring_id);
  try {
    keyring_locked(keyring_id);
    Request& r = pending_request_locked(keyring_id, request_id);
    const Bytes rid(request_id.begin(), request_id.end());
    const auto a =
        on_card([&] { return card_->approve_finish(id_bytes(keyring_id), rid, confirm_p, envelope); });
    audit(actor, "sign.approve", request_id, true, "signature sha256 " + to_hex(crypto::sha256(a.signature)));
    r.state = RequestState::approved;
    r.result = {a.signature, a.receipt, a.receipt_signature};
    save_request_locked(request_id);
    return r.result;
  } catch (const Error& e) {
    refuse(actor, "sign.approve", request_id, e);
  }
}

void KeyringService::reject(const std::string& keyring_id, const std::string& request_id,
                            ByteView device_signature) {
  const std::lock_guard lock(mu_);
  const std::string actor = holder_actor(keyring_id);
  try {
    keyring_locked(keyring_id);
    Request& r = pending_request_locked(keyring_id, request_id);
    const auto info = on_card([&] { return card_->info(id_bytes(keyring_id)); });
    if (info.device_key.empty() ||
        !crypto::ecdsa_verify(crypto::EcPublicKey::from_point(crypto::Curve::p256, info.device_key),
                              crypto::SignatureHash::sha256,
                              host::keyring::reject_input(keyring_id, request_id), device_signature,
                              crypto::EcdsaFormat::raw))
      throw Error(Errc::crypto, "the rejection is not signed by the holder's terminal");
    audit(actor, "sign.reject", request_id, true);
    r.state = RequestState::rejected;
    save_request_locked(request_id);
  } catch (const Error& e) {
    refuse(actor, "sign.reject", request_id, e);
  }
}

}  // namespace sesame::services::keyring
