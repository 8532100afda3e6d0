// The keyring-scd applet (docs/SIGNING.md "keyring-scd instruction set") driven with raw APDUs;
// the holder's side (SPAKE2+ prover, envelopes) is assembled here from crypto/ and the shared
// protocol header, independently of the holder SDK. Covers: activation tries counted durably
// before the check, the PIN try counter, records bound to their keyring (a record copied from one
// keyring to another through the store is refused), and destroy erasing every record.
#include "applets/keyring/keyring_applet.h"

#include <gtest/gtest.h>

#include <memory>

#include "applets/builtin.h"
#include "card/card_service.h"
#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "crypto/spake2plus.h"
#include "iso7816/apdu.h"
#include "iso7816/keyring_protocol.h"
#include "store/memory_store.h"
#include "store/store.h"
#include "util/hex.h"
#include "util/tlv.h"

namespace sesame::applets::keyring {
namespace {

namespace kp = iso7816::keyring;
namespace tag = iso7816::keyring::tag;
namespace etag = iso7816::keyring::envelope_tag;
namespace spake = crypto::spake2plus;
using kp::Ins;

constexpr const char* kSeid = "keyring-test";

crypto::ScryptParams fast() {
  crypto::ScryptParams p;
  p.n = 1024;
  return p;
}

spake::ProverSecret secret_of(const std::string& pw, ByteView salt, const spake::Context& ctx) {
  return spake::prover_secret_from_pbkdf_output(
      spake::stretch_password(as_bytes(pw), salt, ctx, fast()).view());
}

struct Holder {
  Bytes id;
  crypto::EcPrivateKey device = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  SecureBytes device_secret = crypto::random_secret(32);
  Bytes pin_salt = crypto::random_bytes(16);
  Bytes public_key;
};

class KeyringAppletTest : public ::testing::Test {
 protected:
  KeyringAppletTest() { open(); }

  void open() {
    cards = std::make_unique<card::CardService>(*store, registry);
    if (!cards->exists(kSeid)) {
      cards->create_card({kSeid, ""});
      cards->install_applet(kSeid, kModuleName, aid(), {});
    }
    iso7816::CommandApdu c{0x00, 0xA4, 0x04, 0x0C, aid(), 0, false};
    ASSERT_EQ(iso7816::ResponseApdu::parse(cards->transmit(kSeid, c.encode())).sw, 0x9000);
  }
  static Bytes aid() { return module().default_instance_aid; }

  iso7816::ResponseApdu send(Ins ins, ByteView data) {
    iso7816::CommandApdu c;
    c.cla = kp::kCla;
    c.ins = static_cast<std::uint8_t>(ins);
    c.data.assign(data.begin(), data.end());
    c.ne = 65536;
    return iso7816::ResponseApdu::parse(cards->transmit(kSeid, c.encode()));
  }

  Bytes create(const std::string& code, Bytes salt) {
    Bytes id = crypto::random_bytes(16);
    const auto rec = spake::make_verifier_record(secret_of(code, salt, kp::activation_context(id)));
    Bytes d = tlv_encode(tag::keyring_id, id);
    append_tlv(d, tag::policy, Bytes{3, 6});
    append_tlv(d, tag::record_w0, rec.w0.view());
    append_tlv(d, tag::record_l, rec.l);
    EXPECT_EQ(send(Ins::create, d).sw, 0x9000);
    return id;
  }

  // ACTIVATE START + FINISH as a terminal does; returns FINISH's status word (or START's).
  std::uint16_t activate(Holder& h, const std::string& code, ByteView salt, const std::string& pin) {
    spake::Prover prover(kp::activation_context(h.id), secret_of(code, salt, kp::activation_context(h.id)));
    Bytes d = tlv_encode(tag::keyring_id, h.id);
    append_tlv(d, tag::share_p, prover.share());
    const auto r = send(Ins::activate_start, d);
    if (r.sw != 0x9000) return r.sw;
    const auto items = parse_tlv(r.data);
    spake::Prover::Result res;
    try {
      res = prover.finish(find_tlv(items, tag::share_v)->value(), find_tlv(items, tag::confirm_v)->value());
    } catch (const Error&) {
      return 0x6982;  // the prover noticed the wrong code; the applet already counted the try
    }
    const auto pin_secret = secret_of(pin, h.pin_salt, kp::pin_context(h.id));
    const auto pin_rec = spake::make_verifier_record(pin_secret);
    Bytes plain;
    append_tlv(plain, etag::pin_w0, pin_rec.w0.view());
    append_tlv(plain, etag::pin_l, pin_rec.l);
    append_tlv(plain, etag::pin_salt, h.pin_salt);
    append_tlv(plain, etag::pin_length, Bytes{static_cast<std::uint8_t>(pin.size())});
    append_tlv(plain, etag::unlock,
               kp::unlock_secret(h.device_secret.view(), pin_secret.w1.view(), h.id).view());
    append_tlv(plain, etag::device_key, h.device.public_key().to_uncompressed_point());
    Bytes f = tlv_encode(tag::keyring_id, h.id);
    append_tlv(f, tag::confirm_p, res.confirm_p);
    append_tlv(f, tag::envelope,
               kp::seal_envelope(res.k_shared.view(), Ins::activate_finish, h.id, {}, plain));
    const auto fin = send(Ins::activate_finish, f);
    if (fin.sw == 0x9000) h.public_key = parse_one(fin.data).value();
    return fin.sw;
  }

  struct Approval {
    std::uint16_t sw = 0;
    Bytes signature, receipt, receipt_signature;
  };
  Approval approve(const Holder& h, const std::string& req, ByteView hash, const std::string& pin) {
    const Bytes rid(req.begin(), req.end());
    const Bytes dh = crypto::sha256(as_bytes(std::string("description")));
    const auto pin_secret = secret_of(pin, h.pin_salt, kp::pin_context(h.id));
    spake::Prover prover(kp::approval_context(h.id, rid, hash, dh), pin_secret);
    Bytes d = tlv_encode(tag::keyring_id, h.id);
    append_tlv(d, tag::request_id, rid);
    append_tlv(d, tag::hash, hash);
    append_tlv(d, tag::description_hash, dh);
    append_tlv(d, tag::share_p, prover.share());
    const auto r = send(Ins::approve_start, d);
    if (r.sw != 0x9000) return {r.sw, {}, {}, {}};
    const auto items = parse_tlv(r.data);
    spake::Prover::Result res;
    try {
      res = prover.finish(find_tlv(items, tag::share_v)->value(), find_tlv(items, tag::confirm_v)->value());
    } catch (const Error&) {
      return {0x6982, {}, {}, {}};
    }
    Bytes plain;
    append_tlv(plain, etag::unlock,
               kp::unlock_secret(h.device_secret.view(), pin_secret.w1.view(), h.id).view());
    append_tlv(plain, etag::device_signature,
               crypto::ecdsa_sign(h.device, crypto::SignatureHash::sha256,
                                  kp::device_approval_input(h.id, rid, hash, dh, res.confirm_p),
                                  crypto::EcdsaFormat::raw));
    Bytes f = tlv_encode(tag::keyring_id, h.id);
    append_tlv(f, tag::request_id, rid);
    append_tlv(f, tag::confirm_p, res.confirm_p);
    append_tlv(f, tag::envelope,
               kp::seal_envelope(res.k_shared.view(), Ins::approve_finish, h.id, rid, plain));
    const auto fin = send(Ins::approve_finish, f);
    if (fin.sw != 0x9000) return {fin.sw, {}, {}, {}};
    const auto out = parse_tlv(fin.data);
    return {fin.sw, find_tlv(out, tag::signature)->value(), find_tlv(out, tag::receipt)->value(),
            find_tlv(out, tag::receipt_signature)->value()};
  }

  std::vector<Tlv> info(ByteView id, std::uint16_t* sw = nullptr) {
    const auto r = send(Ins::get_info, tlv_encode(tag::keyring_id, id));
    if (sw) *sw = r.sw;
    if (r.sw != 0x9000) return {};
    return parse_tlv(parse_one(r.data).value());
  }
  std::uint8_t tries(ByteView id, std::uint32_t t) {
    const auto items = info(id);
    const Tlv* it = find_tlv(items, t);
    return it ? it->value()[0] : 0xFF;
  }

  Holder activated(const std::string& pin = "135790") {
    Holder h;
    const Bytes salt = crypto::random_bytes(16);
    h.id = create("111122223333", salt);
    EXPECT_EQ(activate(h, "111122223333", salt, pin), 0x9000);
    return h;
  }

  // Every record of the card, through the store (as someone with the master key sees it).
  std::map<std::string, SecureBytes> records() {
    cards.reset();
    auto cs = store->open_card(kSeid);
    auto all = cs->load();
    cs.reset();
    open();
    return all;
  }

  card::AppletRegistry registry = builtin_registry();
  std::unique_ptr<store::Store> store = store::open_memory_store(crypto::random_secret(32));
  std::unique_ptr<card::CardService> cards;
};

TEST_F(KeyringAppletTest, ActivateApproveSignatureAndReceiptVerify) {
  Holder h = activated();
  ASSERT_EQ(h.public_key.size(), 65u);
  const Bytes hash = crypto::sha256(as_bytes(std::string("document")));
  const Approval a = approve(h, "req-1", hash, "135790");
  ASSERT_EQ(a.sw, 0x9000);
  const auto pub = crypto::EcPublicKey::from_point(crypto::Curve::p256, h.public_key);
  EXPECT_TRUE(crypto::ecdsa_verify_digest(pub, hash, a.signature, crypto::EcdsaFormat::raw));
  const auto rk = send(Ins::get_receipt_key, {});
  ASSERT_EQ(rk.sw, 0x9000);
  EXPECT_TRUE(crypto::ecdsa_verify(crypto::EcPublicKey::from_point(crypto::Curve::p256, rk.data),
                                   crypto::SignatureHash::sha256, a.receipt, a.receipt_signature,
                                   crypto::EcdsaFormat::raw));
  EXPECT_EQ(kp::decode_receipt(a.receipt).signed_hash, hash);
}

TEST_F(KeyringAppletTest, ActivationTriesAreSpentBeforeTheCheck) {
  Holder h;
  const Bytes salt = crypto::random_bytes(16);
  h.id = create("111122223333", salt);
  EXPECT_EQ(tries(h.id, tag::activation_tries), 5);
  EXPECT_EQ(activate(h, "999999999999", salt, "135790"), 0x6982);
  EXPECT_EQ(tries(h.id, tag::activation_tries), 4);
  // A START without its FINISH (an attacker learning from confirmV) costs a try as well.
  spake::Prover p(kp::activation_context(h.id),
                  secret_of("000000000000", salt, kp::activation_context(h.id)));
  Bytes d = tlv_encode(tag::keyring_id, h.id);
  append_tlv(d, tag::share_p, p.share());
  EXPECT_EQ(send(Ins::activate_start, d).sw, 0x9000);
  EXPECT_EQ(tries(h.id, tag::activation_tries), 3);
}

TEST_F(KeyringAppletTest, PinTriesLockAndSurviveAReload) {
  Holder h = activated();
  const Bytes hash(32, 7);
  EXPECT_EQ(approve(h, "r", hash, "000000").sw, 0x6982);
  EXPECT_EQ(approve(h, "r", hash, "000001").sw, 0x6982);
  records();  // the card is closed and loaded again from the store: the counter was durable
  EXPECT_EQ(tries(h.id, tag::pin_tries), 1);
  EXPECT_EQ(approve(h, "r", hash, "000002").sw, 0x6982);
  EXPECT_EQ(approve(h, "r", hash, "135790").sw, 0x6983);
  EXPECT_EQ(find_tlv(info(h.id), tag::state)->value()[0],
            static_cast<std::uint8_t>(kp::KeyringState::locked));
}

TEST_F(KeyringAppletTest, FinishWithoutStartOrForAnotherRequestIsRefused) {
  Holder h = activated();
  Bytes f = tlv_encode(tag::keyring_id, h.id);
  append_tlv(f, tag::request_id, Bytes{'x'});
  append_tlv(f, tag::confirm_p, Bytes(32, 0));
  append_tlv(f, tag::envelope, Bytes(40, 0));
  EXPECT_EQ(send(Ins::approve_finish, f).sw, 0x6985);
}

// A record copied from keyring A to keyring B (someone editing the database with the master key:
// the store re-seals it under B's name, so only the applet's own binding can notice).
TEST_F(KeyringAppletTest, RecordMovedToAnotherKeyringIsDetected) {
  Holder a = activated("135790");
  Holder b = activated("246802");
  const std::string prefix = to_hex(aid()) + "/k/";
  for (const char* name : {"/m", "/t"}) {
    auto all = records();
    cards.reset();
    auto cs = store->open_card(kSeid);
    cs->commit({store::Change{prefix + to_hex(b.id) + name, all.at(prefix + to_hex(a.id) + name)}});
    cs.reset();
    open();
    std::uint16_t sw = 0;
    info(b.id, &sw);
    EXPECT_EQ(sw, 0x6984) << name;
    EXPECT_EQ(approve(b, "r", Bytes(32, 1), "246802").sw, 0x6984) << name;
    EXPECT_EQ(approve(a, "r", Bytes(32, 1), "135790").sw, 0x9000) << name;  // A is untouched
    // Put B's own record back for the next round.
    b = activated("246802");
  }
}

TEST_F(KeyringAppletTest, DestroyErasesEveryRecord) {
  Holder h = activated();
  Holder other = activated();
  const std::string mine = to_hex(aid()) + "/k/" + to_hex(h.id) + "/";
  auto before = records();
  std::size_t n = 0;
  for (const auto& [k, v] : before) n += k.rfind(mine, 0) == 0;
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(send(Ins::destroy, tlv_encode(tag::keyring_id, h.id)).sw, 0x9000);
  for (const auto& [k, v] : records()) EXPECT_NE(k.rfind(mine, 0), 0u) << k;
  std::uint16_t sw = 0;
  info(h.id, &sw);
  EXPECT_EQ(sw, 0x6A88);
  EXPECT_EQ(approve(h, "r", Bytes(32, 1), "135790").sw, 0x6A88);
  EXPECT_EQ(approve(other, "r", Bytes(32, 1), "135790").sw, 0x9000);
}

TEST_F(KeyringAppletTest, ActivatedKeyringCannotBeActivatedAgain) {
  Holder h;
  const Bytes salt = crypto::random_bytes(16);
  h.id = create("111122223333", salt);
  ASSERT_EQ(activate(h, "111122223333", salt, "135790"), 0x9000);
  EXPECT_EQ(activate(h, "111122223333", salt, "135790"), 0x6985);
}

TEST_F(KeyringAppletTest, ShortPinRefusedAtActivation) {
  Holder h;
  const Bytes salt = crypto::random_bytes(16);
  h.id = create("111122223333", salt);
  EXPECT_EQ(activate(h, "111122223333", salt, "12345"), 0x6A80);  // policy: 6 digits
}

}  // namespace
}  // namespace sesame::applets::keyring
