// End to end, in process: the registration authority creates a keyring, the holder's terminal (the
// holder SDK) activates it with the activation code through SPAKE2+, a service provider asks for a
// signature, the holder approves with the PIN, and the provider gets a signature that verifies
// (OpenSSL, through crypto::ecdsa_verify_digest, over the hash itself) and a proof of transaction
// that verifies under the applet's receipt key. Refusals: wrong code (counted), wrong PINs
// (three lock), another provider, replayed approvals, a record moved to another keyring, destroy.
#include "services/keyring/keyring_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "applets/builtin.h"
#include "audit/audit_entry.h"
#include "audit/audit_log.h"
#include "audit/audit_verify.h"
#include "card/card_service.h"
#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "host/keyring/holder_sdk.h"
#include "iso7816/keyring_protocol.h"
#include "store/memory_store.h"
#include "util/base64.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::services::keyring {
namespace {

using host::keyring::HolderSdk;
using host::keyring::TerminalKeyring;
namespace kp = iso7816::keyring;

constexpr const char* kPin = "246810";
constexpr const char* kRa = "CN=ra.example";
constexpr const char* kProvider = "CN=bank.example";

ByteView text(const char* s) {
  return as_bytes(std::string_view(s));
}

template <class F>
Errc errc_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no error thrown";
  return Errc::internal;
}

struct KeyringE2e : ::testing::Test {
  card::AppletRegistry registry = applets::builtin_registry();
  std::unique_ptr<store::Store> store = store::open_memory_store(crypto::random_secret(32));
  card::CardService cards{*store, registry};
  crypto::EcPrivateKey audit_key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  audit::AuditLog log{*store, audit_key};
  crypto::EcPrivateKey ra_key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  KeyringService service{cards, *store, log, ra_key};
  HolderSdk sdk{service, ra_key.public_key()};

  static KeyringPolicy fast_policy() {
    KeyringPolicy p;
    p.scrypt_log2_n = 10;  // test speed; production default 15
    return p;
  }
  std::string code_of(const CreatedKeyring& k) {
    return std::string(k.activation_code.begin(), k.activation_code.end());
  }

  std::pair<CreatedKeyring, TerminalKeyring> activated(const std::string& who = "Anna Example") {
    CreatedKeyring k = service.create_keyring(kRa, who, fast_policy());
    TerminalKeyring t = sdk.activate(k.keyring_id, as_bytes(code_of(k)), text(kPin));
    return {std::move(k), std::move(t)};
  }
  Bytes document_hash(const std::string& doc) { return crypto::sha256(as_bytes(doc)); }
};

TEST_F(KeyringE2e, RequestApproveVerifySignatureAndReceipt) {
  auto [k, t] = activated();
  EXPECT_EQ(service.status(k.keyring_id).state, "active");
  const Bytes hash = document_hash("contract #42");
  const std::string rid =
      service.create_request(kProvider, k.keyring_id, "Sign contract #42 for 1000 EUR", hash);

  const auto ids = sdk.pending(t);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0], rid);
  const auto shown = sdk.show(t, rid);
  EXPECT_EQ(shown.description, "Sign contract #42 for 1000 EUR");
  EXPECT_EQ(shown.hash, hash);
  sdk.approve(t, shown, text(kPin));

  const ProviderView v = service.request_status(kProvider, rid);
  ASSERT_EQ(v.state, RequestState::approved);
  EXPECT_EQ(v.signing_public_key, t.signing_public_key);
  const auto pub = crypto::EcPublicKey::from_point(crypto::Curve::p256, v.signing_public_key);
  EXPECT_TRUE(crypto::ecdsa_verify_digest(pub, hash, v.result.signature, crypto::EcdsaFormat::raw));
  Bytes other = hash;
  other[0] ^= 1;
  EXPECT_FALSE(crypto::ecdsa_verify_digest(pub, other, v.result.signature, crypto::EcdsaFormat::raw));

  const auto rkey = crypto::EcPublicKey::from_point(crypto::Curve::p256, service.receipt_public_key());
  EXPECT_TRUE(crypto::ecdsa_verify(rkey, crypto::SignatureHash::sha256, v.result.receipt,
                                   v.result.receipt_signature, crypto::EcdsaFormat::raw));
  const kp::Receipt r = kp::decode_receipt(v.result.receipt);
  EXPECT_EQ(to_hex(r.keyring_id), k.keyring_id);
  EXPECT_EQ(std::string(r.request_id.begin(), r.request_id.end()), rid);
  EXPECT_EQ(r.signed_hash, hash);
  EXPECT_EQ(r.description_hash, crypto::sha256(as_bytes(std::string("Sign contract #42 for 1000 EUR"))));
  EXPECT_EQ(r.terminal_id, kp::terminal_id_of(t.device_key.public_key().to_uncompressed_point()));
  EXPECT_GT(r.time_ms, 0);
  EXPECT_TRUE(sdk.pending(t).empty());

  // Every request and decision is in the audit log, and the log verifies.
  const auto report = audit::verify_log(*store, audit_key.public_key());
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_GE(report.entries, 6u);  // create, activate.start, activate, request, approve.start, approve
}

// Cross-check with an independent verifier: the openssl command-line tool (`openssl pkeyutl
// -verify` over the raw digest, the signature DER-encoded), so the signature is a plain ECDSA
// P-256 signature of the provider's hash and nothing of ours is involved in checking it.
TEST_F(KeyringE2e, SignatureVerifiesWithTheOpensslTool) {
  auto [k, t] = activated();
  const Bytes hash = document_hash("cross-check");
  const std::string rid = service.create_request(kProvider, k.keyring_id, "Cross-check", hash);
  sdk.approve(t, sdk.show(t, rid), text(kPin));
  const ProviderView v = service.request_status(kProvider, rid);
  const auto dir =
      std::filesystem::temp_directory_path() / ("sesame-keyring-" + to_hex(crypto::random_bytes(6)));
  std::filesystem::create_directories(dir);
  const auto write = [&](const char* name, const std::string& data) {
    std::ofstream(dir / name, std::ios::binary) << data;
  };
  const Bytes spki = crypto::EcPublicKey::from_point(crypto::Curve::p256, v.signing_public_key).to_spki_der();
  const std::string b64 = base64_encode(spki);
  std::string pem = "-----BEGIN PUBLIC KEY-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  write("pub.pem", pem + "-----END PUBLIC KEY-----\n");
  write("hash.bin", std::string(hash.begin(), hash.end()));
  const Bytes der = crypto::ecdsa_raw_to_der(v.result.signature);
  write("sig.der", std::string(der.begin(), der.end()));
  Bytes wrong = hash;
  wrong[0] ^= 1;
  write("wrong.bin", std::string(wrong.begin(), wrong.end()));
  const std::string base = "openssl pkeyutl -verify -pubin -inkey " + (dir / "pub.pem").string() +
                           " -sigfile " + (dir / "sig.der").string() + " -in ";
  EXPECT_EQ(std::system((base + (dir / "hash.bin").string() + " >/dev/null 2>&1").c_str()), 0);
  EXPECT_NE(std::system((base + (dir / "wrong.bin").string() + " >/dev/null 2>&1").c_str()), 0);
  std::filesystem::remove_all(dir);
}

TEST_F(KeyringE2e, PackageShowsIdentityAndActivationIsOnce) {
  const CreatedKeyring k = service.create_keyring(kRa, "Anna Example", fast_policy());
  const auto pkg = sdk.inspect(k.keyring_id);
  EXPECT_EQ(pkg.identity, "Anna Example");
  EXPECT_EQ(pkg.policy.min_pin_length, 6);
  sdk.activate(k.keyring_id, as_bytes(code_of(k)), text(kPin));
  EXPECT_EQ(errc_of([&] { sdk.inspect(k.keyring_id); }), Errc::state);
  EXPECT_EQ(errc_of([&] { sdk.activate(k.keyring_id, as_bytes(code_of(k)), text(kPin)); }), Errc::state);
}

TEST_F(KeyringE2e, PackageFromAnotherAuthorityIsRefused) {
  const CreatedKeyring k = service.create_keyring(kRa, "Anna Example", fast_policy());
  HolderSdk fooled(service, crypto::EcPrivateKey::generate(crypto::Curve::p256).public_key());
  EXPECT_EQ(errc_of([&] { fooled.inspect(k.keyring_id); }), Errc::crypto);
}

TEST_F(KeyringE2e, WrongActivationCodeFailsAndIsCounted) {
  const CreatedKeyring k = service.create_keyring(kRa, "Anna Example", fast_policy());
  std::string wrong = code_of(k);
  wrong[0] = wrong[0] == '9' ? '0' : static_cast<char>(wrong[0] + 1);
  EXPECT_EQ(errc_of([&] { sdk.activate(k.keyring_id, as_bytes(wrong), text(kPin)); }), Errc::crypto);
  EXPECT_EQ(service.status(k.keyring_id).activation_tries, 4);
  EXPECT_EQ(service.status(k.keyring_id).state, "created");
  sdk.activate(k.keyring_id, as_bytes(code_of(k)), text(kPin));  // the right one still works
  EXPECT_EQ(service.status(k.keyring_id).state, "active");
}

TEST_F(KeyringE2e, ActivationCodeBlocksAfterFiveFailures) {
  const CreatedKeyring k = service.create_keyring(kRa, "Anna Example", fast_policy());
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(errc_of([&] { sdk.activate(k.keyring_id, text("000000000000"), text(kPin)); }), Errc::crypto);
  EXPECT_EQ(errc_of([&] { sdk.activate(k.keyring_id, as_bytes(code_of(k)), text(kPin)); }), Errc::state);
}

TEST_F(KeyringE2e, PinPolicyIsCheckedBeforeAnythingIsSent) {
  const CreatedKeyring k = service.create_keyring(kRa, "Anna Example", fast_policy());
  EXPECT_EQ(errc_of([&] { sdk.activate(k.keyring_id, as_bytes(code_of(k)), text("12345")); }),
            Errc::invalid_argument);
  EXPECT_EQ(service.status(k.keyring_id).activation_tries, 5);
  KeyringPolicy weak = fast_policy();
  weak.min_pin_length = 4;  // 4 is for authentication-only keyrings
  EXPECT_EQ(errc_of([&] { service.create_keyring(kRa, "x", weak); }), Errc::invalid_argument);
  weak.kind = host::keyring::KeyringKind::authentication;
  EXPECT_NO_THROW(service.create_keyring(kRa, "x", weak));
}

TEST_F(KeyringE2e, ThreeWrongPinsLock) {
  auto [k, t] = activated();
  const std::string rid = service.create_request(kProvider, k.keyring_id, "Sign", document_hash("d"));
  const auto shown = sdk.show(t, rid);
  EXPECT_EQ(errc_of([&] { sdk.approve(t, shown, text("111111")); }), Errc::crypto);
  EXPECT_EQ(service.status(k.keyring_id).pin_tries, 2);
  EXPECT_EQ(errc_of([&] { sdk.approve(t, shown, text("222222")); }), Errc::crypto);
  EXPECT_EQ(errc_of([&] { sdk.approve(t, shown, text("333333")); }), Errc::crypto);
  EXPECT_EQ(service.status(k.keyring_id).state, "locked");
  EXPECT_EQ(errc_of([&] { sdk.approve(t, shown, text(kPin)); }), Errc::state);  // the right PIN: too late
  EXPECT_EQ(service.request_status(kProvider, rid).state, RequestState::pending);
}

TEST_F(KeyringE2e, RightPinResetsTheCounter) {
  auto [k, t] = activated();
  const std::string rid = service.create_request(kProvider, k.keyring_id, "Sign", document_hash("d"));
  const auto shown = sdk.show(t, rid);
  EXPECT_EQ(errc_of([&] { sdk.approve(t, shown, text("111111")); }), Errc::crypto);
  EXPECT_EQ(errc_of([&] { sdk.approve(t, shown, text("222222")); }), Errc::crypto);
  sdk.approve(t, shown, text(kPin));
  EXPECT_EQ(service.status(k.keyring_id).pin_tries, 3);
}

TEST_F(KeyringE2e, AnotherProviderCannotSeeTheRequest) {
  auto [k, t] = activated();
  const std::string rid = service.create_request(kProvider, k.keyring_id, "Sign", document_hash("d"));
  EXPECT_EQ(errc_of([&] { service.request_status("CN=other.example", rid); }), Errc::not_found);
  EXPECT_TRUE(service.list_requests("CN=other.example").empty());
  EXPECT_EQ(service.list_requests(kProvider).size(), 1u);
}

// The holder's terminal sees a different description from the one the provider submitted (a
// lying server or an altered message): the exchange is bound to the description hash and fails.
TEST_F(KeyringE2e, ApprovalIsBoundToTheExactRequest) {
  auto [k, t] = activated();
  const std::string rid = service.create_request(kProvider, k.keyring_id, "Pay 10 EUR", document_hash("d"));
  auto shown = sdk.show(t, rid);
  shown.description = "Pay 10000 EUR";
  EXPECT_EQ(errc_of([&] { sdk.approve(t, shown, text(kPin)); }), Errc::crypto);
  shown = sdk.show(t, rid);
  shown.hash[3] ^= 0x40;
  EXPECT_EQ(errc_of([&] { sdk.approve(t, shown, text(kPin)); }), Errc::crypto);
  EXPECT_EQ(service.request_status(kProvider, rid).state, RequestState::pending);
}

// A transport that records the holder's approval messages, to replay them.
struct Recorder : host::keyring::HolderTransport {
  KeyringService& s;
  Bytes share_p, confirm_p, envelope;
  explicit Recorder(KeyringService& svc) : s(svc) {}
  host::keyring::ActivationInfo activation_info(const std::string& id) override {
    return s.activation_info(id);
  }
  ExchangeReply activate_start(const std::string& id, ByteView p) override { return s.activate_start(id, p); }
  Bytes activate_finish(const std::string& id, ByteView c, ByteView e) override {
    return s.activate_finish(id, c, e);
  }
  std::vector<std::string> pending(const std::string& id) override { return s.pending(id); }
  RequestView request(const std::string& id, const std::string& r) override { return s.request(id, r); }
  ExchangeReply approve_start(const std::string& id, const std::string& r, ByteView p) override {
    share_p.assign(p.begin(), p.end());
    return s.approve_start(id, r, p);
  }
  ApprovalResult approve_finish(const std::string& id, const std::string& r, ByteView c,
                                ByteView e) override {
    confirm_p.assign(c.begin(), c.end());
    envelope.assign(e.begin(), e.end());
    return s.approve_finish(id, r, c, e);
  }
  void reject(const std::string& id, const std::string& r, ByteView sig) override { s.reject(id, r, sig); }
};

TEST_F(KeyringE2e, ReplayedApprovalIsRefused) {
  auto [k, t] = activated();
  Recorder rec(service);
  HolderSdk recorded(rec, ra_key.public_key());
  const std::string rid = service.create_request(kProvider, k.keyring_id, "Sign", document_hash("d"));
  recorded.approve(t, recorded.show(t, rid), text(kPin));
  // The same messages again for the same request: it is no longer pending.
  EXPECT_EQ(errc_of([&] { service.approve_start(k.keyring_id, rid, rec.share_p); }), Errc::state);
  EXPECT_EQ(errc_of([&] { service.approve_finish(k.keyring_id, rid, rec.confirm_p, rec.envelope); }),
            Errc::state);
  // Replayed against a new request: the applet's run has fresh randomness and another binding.
  const std::string rid2 = service.create_request(kProvider, k.keyring_id, "Sign", document_hash("d"));
  service.approve_start(k.keyring_id, rid2, rec.share_p);
  EXPECT_EQ(errc_of([&] { service.approve_finish(k.keyring_id, rid2, rec.confirm_p, rec.envelope); }),
            Errc::crypto);
  EXPECT_EQ(service.request_status(kProvider, rid2).state, RequestState::pending);
}

TEST_F(KeyringE2e, AlteredEnvelopeIsRefused) {
  auto [k, t] = activated();
  struct Tamper final : Recorder {
    using Recorder::Recorder;
    ApprovalResult approve_finish(const std::string& id, const std::string& r, ByteView c,
                                  ByteView e) override {
      Bytes bad(e.begin(), e.end());
      bad.back() ^= 1;
      return s.approve_finish(id, r, c, bad);
    }
  } tamper(service);
  HolderSdk sdk2(tamper, ra_key.public_key());
  const std::string rid = service.create_request(kProvider, k.keyring_id, "Sign", document_hash("d"));
  EXPECT_EQ(errc_of([&] { sdk2.approve(t, sdk2.show(t, rid), text(kPin)); }), Errc::crypto);
}

TEST_F(KeyringE2e, AnotherTerminalWithThePinCannotSign) {
  auto [k, t] = activated();
  TerminalKeyring thief{
      t.keyring_id, crypto::EcPrivateKey::generate(crypto::Curve::p256), crypto::random_secret(32), {}};
  const std::string rid = service.create_request(kProvider, k.keyring_id, "Sign", document_hash("d"));
  EXPECT_EQ(errc_of([&] { sdk.approve(thief, sdk.show(thief, rid), text(kPin)); }), Errc::crypto);
  EXPECT_EQ(service.request_status(kProvider, rid).state, RequestState::pending);
}

TEST_F(KeyringE2e, RejectNeedsTheDeviceKey) {
  auto [k, t] = activated();
  const std::string rid = service.create_request(kProvider, k.keyring_id, "Sign", document_hash("d"));
  EXPECT_EQ(errc_of([&] { service.reject(k.keyring_id, rid, Bytes(64, 1)); }), Errc::crypto);
  sdk.reject(t, rid);
  EXPECT_EQ(service.request_status(kProvider, rid).state, RequestState::rejected);
  EXPECT_EQ(errc_of([&] { sdk.show(t, rid); }), Errc::state);
}

TEST_F(KeyringE2e, ExpiredRequestCannotBeApproved) {
  auto now = std::chrono::system_clock::now();
  KeyringServiceOptions o;
  o.seid = "keyring2";
  o.state_id = "~keyring2";
  o.clock = [&] { return now; };
  KeyringService svc(cards, *store, log, ra_key, o);
  HolderSdk s2(svc, ra_key.public_key());
  const CreatedKeyring k = svc.create_keyring(kRa, "Anna", fast_policy());
  const TerminalKeyring t = s2.activate(k.keyring_id, as_bytes(code_of(k)), text(kPin));
  const std::string rid = svc.create_request(kProvider, k.keyring_id, "Sign", document_hash("d"));
  const auto shown = s2.show(t, rid);
  now += std::chrono::seconds(301);
  EXPECT_EQ(errc_of([&] { s2.approve(t, shown, text(kPin)); }), Errc::state);
  EXPECT_EQ(svc.request_status(kProvider, rid).state, RequestState::expired);
}

// The service's records (packages, requests) are in the sealed store: a restarted service still
// knows the keyring and the pending request, and the holder approves it.
TEST_F(KeyringE2e, StateSurvivesARestart) {
  KeyringServiceOptions o;
  o.seid = "keyring3";
  o.state_id = "~keyring3";
  std::string id, rid;
  std::optional<TerminalKeyring> t;
  {
    KeyringService first(cards, *store, log, ra_key, o);
    HolderSdk s1(first, ra_key.public_key());
    const CreatedKeyring k = first.create_keyring(kRa, "Anna", fast_policy());
    t = s1.activate(k.keyring_id, as_bytes(code_of(k)), text(kPin));
    id = k.keyring_id;
    rid = first.create_request(kProvider, id, "Sign after restart", document_hash("d"));
  }
  KeyringService second(cards, *store, log, ra_key, o);
  HolderSdk s2(second, ra_key.public_key());
  EXPECT_EQ(s2.pending(*t), std::vector<std::string>{rid});
  s2.approve(*t, s2.show(*t, rid), text(kPin));
  EXPECT_EQ(second.request_status(kProvider, rid).state, RequestState::approved);
  EXPECT_EQ(errc_of([&] { second.request_status("CN=other.example", rid); }), Errc::not_found);
}

TEST_F(KeyringE2e, DestroyEndsTheKeyringAndItsRequests) {
  auto [k, t] = activated();
  const std::string rid = service.create_request(kProvider, k.keyring_id, "Sign", document_hash("d"));
  const auto shown = sdk.show(t, rid);
  service.destroy(kRa, k.keyring_id);
  EXPECT_EQ(errc_of([&] { service.status(k.keyring_id); }), Errc::not_found);
  EXPECT_EQ(service.request_status(kProvider, rid).state, RequestState::expired);
  EXPECT_EQ(errc_of([&] { sdk.approve(t, shown, text(kPin)); }), Errc::not_found);
  EXPECT_EQ(errc_of([&] { service.create_request(kProvider, k.keyring_id, "Sign", document_hash("d")); }),
            Errc::not_found);
}

// Refusals are audited too: another provider probing a request, a replayed approval.
TEST_F(KeyringE2e, RefusalsAreInTheAuditLog) {
  auto [k, t] = activated();
  const std::string rid = service.create_request(kProvider, k.keyring_id, "Sign", document_hash("d"));
  sdk.reject(t, rid);
  EXPECT_THROW(service.request_status("CN=other.example", rid), Error);
  EXPECT_THROW(service.approve_start(k.keyring_id, rid, Bytes(65, 4)), Error);
  std::vector<std::pair<std::string, audit::Decision>> seen;
  for (const auto& [key, value] : audit::read_log_records(*store)) {
    if (!audit::seq_of_key(key)) continue;
    const audit::Entry e = audit::decode_entry(value);
    if (e.record.object == rid) seen.emplace_back(e.record.action + " " + e.record.actor, e.record.decision);
  }
  const auto has = [&](const std::string& what, audit::Decision d) {
    return std::find(seen.begin(), seen.end(), std::make_pair(what, d)) != seen.end();
  };
  EXPECT_TRUE(has("sign.reject holder:" + k.keyring_id, audit::Decision::allowed));
  EXPECT_TRUE(has("sign.status CN=other.example", audit::Decision::denied));
  EXPECT_TRUE(has("sign.approve.start holder:" + k.keyring_id, audit::Decision::denied));
  EXPECT_TRUE(audit::verify_log(*store, audit_key.public_key()).ok);
}

TEST_F(KeyringE2e, RequestsOnlyForActiveKeyrings) {
  const CreatedKeyring k = service.create_keyring(kRa, "Anna", fast_policy());
  EXPECT_EQ(errc_of([&] { service.create_request(kProvider, k.keyring_id, "Sign", document_hash("d")); }),
            Errc::state);
  EXPECT_EQ(
      errc_of([&] { service.create_request(kProvider, std::string(32, 'a'), "Sign", document_hash("d")); }),
      Errc::not_found);
}

}  // namespace
}  // namespace sesame::services::keyring
