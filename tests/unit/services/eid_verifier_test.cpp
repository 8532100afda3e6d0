// The split middleware end to end in process: the front end (host/eid/eid_front_end.h) with a
// hosted sesame.eid card issued by host/eid/eid_issuance.h, the back end (services/eid_verifier)
// behind an in-process link. One test per threat of issue 6 (docs/EID.md, "Threats"): each must
// fail closed with its own reason, and no DigitalID may exist afterwards.
#include "services/eid_verifier/eid_verifier.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "applets/builtin.h"
#include "card/card_service.h"
#include "crypto/certificate_builder.h"
#include "crypto/ec_key.h"
#include "crypto/jws.h"
#include "crypto/random.h"
#include "host/eid/eid_back_end_client.h"
#include "host/eid/eid_front_end.h"
#include "host/eid/eid_issuance.h"
#include "host/eid/icao_pki.h"
#include "host/in_process_reader.h"
#include "store/memory_store.h"
#include "util/error.h"

namespace sesame::services::eid {
namespace {

namespace he = host::eid;
using nlohmann::json;

he::CscaProfile csca_profile() {
  he::CscaProfile p;
  p.country = "UT";
  p.common_name = "Test CSCA";
  return p;
}

struct TestPki {
  crypto::PrivateKey csca_key = crypto::EcPrivateKey::generate(crypto::Curve::p384);
  crypto::Certificate csca = he::make_csca(csca_profile(), csca_key);
  crypto::PrivateKey ds_key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  crypto::Certificate ds = he::make_document_signer({}, crypto::public_key_of(ds_key), csca, csca_key);
};

const TestPki& pki() {
  static const TestPki p;
  return p;
}

std::string identity(const std::string& number, const std::string& surname) {
  return R"({"document_type": "ID", "issuing_state": "UTO", "document_number": ")" + number +
         R"(", "surname": ")" + surname + R"(", "given_names": "Anna Maria", "nationality": "UTO",
  "date_of_birth": "1974-08-12", "sex": "F", "date_of_expiry": "2034-04-15",
  "address": "12 rue de l'Exemple, Utopia"})";
}

// Two issued cards in one CardService: "anna" and "bert" (the card a malicious front end swaps in).
struct Cards {
  std::function<void(SecureBytes&)> tamper;  // applied to anna's install parameters
  card::AppletRegistry registry = applets::builtin_registry();
  std::unique_ptr<store::Store> store = store::open_memory_store(crypto::random_secret(32));
  card::CardService cards{*store, registry};
  host::InProcessReader anna{cards, issue("anna", identity("D23145890", "Eriksson"))};
  host::InProcessReader bert{cards, issue("bert", identity("X00000001", "Berg"))};

  explicit Cards(std::function<void(SecureBytes&)> t = {}) : tamper(std::move(t)) {
    anna.connect();
    bert.connect();
  }
  std::string issue(const std::string& seid, const std::string& json_identity) {
    he::EidSecrets s;
    s.pin = "123456";
    s.can = "500540";
    s.puk = "1234567890";
    const he::IssuedEid issued =
        he::issue_eid(he::parse_identity_json(json_identity), s, pki().ds, pki().ds_key);
    SecureBytes params = issued.install_params;
    if (tamper && seid == "anna") tamper(params);
    cards.create_card({.seid = seid, .label = ""});
    cards.install_applet(seid, "sesame.eid", Bytes{0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01}, params.view());
    return seid;
  }
};

struct Signer {
  crypto::EcPrivateKey key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  crypto::Certificate cert = crypto::CertificateBuilder()
                                 .common_name("test DigitalID signer")
                                 .validity(std::chrono::system_clock::now() - std::chrono::hours(1),
                                           std::chrono::system_clock::now() + std::chrono::hours(24))
                                 .self_sign(key);
};

EidVerifierConfig verifier_config(const Signer& signer,
                                  std::vector<crypto::Certificate> cscas = {pki().csca}) {
  EidVerifierConfig c(crypto::EcPrivateKey::generate(crypto::Curve::p256), signer.key);
  c.cscas = std::move(cscas);
  c.signing_chain = {signer.cert};
  return c;
}

// The back end in process, as the HTTPS link would reach it.
class InProcessLink final : public he::BackEndLink {
 public:
  explicit InProcessLink(EidVerifier& v) : v_(&v) {}
  crypto::EcPublicKey handover_key() override { return v_->handover_public_key(); }
  Bytes start(const std::string& tx, const crypto::EcdhEnvelope& h) override {
    ++starts;
    return v_->start(tx, h);
  }
  std::optional<Bytes> respond(const std::string& tx, ByteView r) override {
    const SessionStep s = v_->respond(tx, r);
    if (s.kind == SessionStep::Kind::failed) throw he::BackEndRefused(s.failure);
    if (s.kind == SessionStep::Kind::done) return std::nullopt;
    return s.command;
  }
  int starts = 0;

 private:
  EidVerifier* v_;
};

// A front end that relays through `route` (which reader gets command n) and may alter answers.
struct MaliciousRelay {
  std::function<host::Reader&(std::size_t)> route;
  std::function<void(std::size_t, Bytes&)> alter = [](std::size_t, Bytes&) {};
};

SessionStep relay_until_end(EidVerifier& v, const std::string& tx, Bytes command,
                            const MaliciousRelay& relay) {
  for (std::size_t n = 0;; ++n) {
    Bytes r = relay.route(n).transmit(iso7816::CommandApdu::parse(command)).encode();
    relay.alter(n, r);
    SessionStep s = v.respond(tx, r);
    if (s.kind != SessionStep::Kind::command) return s;
    command = s.command;
  }
}

// PACE with the PIN on `reader` and the sealed handover, as an honest front end makes it.
Bytes honest_start(EidVerifier& v, host::Reader& reader, const std::string& tx) {
  he::EidTerminal t(reader);
  t.pace(he::PacePassword::pin("123456"));
  return v.start(tx, he::seal_handover(v.handover_public_key(), tx, he::take_handover(t)));
}

json payload_of(const std::string& jwt, const Signer& signer) {
  const crypto::JwsVerified jws = crypto::jws_verify(jwt, signer.key.public_key());
  return json::parse(std::string(jws.payload.begin(), jws.payload.end()));
}

TEST(EidMiddleware, HonestFrontEndGetsASignedDigitalId) {
  Cards c;
  Signer signer;
  EidVerifier v(verifier_config(signer));
  InProcessLink link(v);
  const he::PresentResult r =
      he::present_eid(c.anna, he::PacePassword::pin("123456"), "tx-0001-honest", link);
  EXPECT_GE(r.commands_relayed, 5u);  // MSE:Set AT, GENERAL AUTHENTICATE, DG1, DG13 (several), EF.SOD
  const TransactionStatus s = v.status("tx-0001-honest");
  ASSERT_EQ(s.state, TransactionStatus::State::verified) << s.failure;
  const json header = json::parse(crypto::jws_unverified_header(s.digital_id));
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["typ"], "digital-id+jwt");
  ASSERT_EQ(header["x5c"].size(), 1u);
  const json p = payload_of(s.digital_id, signer);
  EXPECT_EQ(p["txn"], "tx-0001-honest");
  EXPECT_EQ(p["document"]["number"], "D23145890");
  EXPECT_EQ(p["document"]["issuing_state"], "UTO");
  EXPECT_EQ(p["document"]["expiry_date"], "2034-04-15");
  EXPECT_EQ(p["family_name"], "ERIKSSON");
  EXPECT_EQ(p["given_name"], "ANNA MARIA");
  EXPECT_EQ(p["full_name"], "Eriksson<<Anna Maria");
  EXPECT_EQ(p["birthdate"], "1974-08-12");
  EXPECT_EQ(p["address"], "12 rue de l'Exemple, Utopia");
  EXPECT_EQ(p["checks"]["chip_authentication"], true);
  EXPECT_GT(p["exp"].get<std::int64_t>(), p["iat"].get<std::int64_t>());
  // The transaction is over: no more answers accepted, no second start with the same ID.
  EXPECT_THROW(v.respond("tx-0001-honest", Bytes{0x90, 0x00}), EidRequestError);
  EXPECT_THROW(honest_start(v, c.anna, "tx-0001-honest"), EidRequestError);
}

// Threat: DG14 requested without PACE. The card refuses it in plain (6982), the front end refuses
// to build a handover without a PACE session, and keys that are no PACE session (a front end
// making them up) fail at the first answer.
TEST(EidMiddleware, Dg14WithoutPaceIsRefused) {
  Cards c;
  he::EidTerminal plain(c.anna);
  c.anna.transmit({0x00, 0xA4, 0x04, 0x0C, Bytes{0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01}, 0, false});
  try {
    plain.read_file_sfi(0x0E);
    FAIL() << "DG14 was readable without PACE";
  } catch (const he::CardRefused& e) {
    EXPECT_EQ(e.sw(), 0x6982);
  }
  EXPECT_THROW(he::take_handover(plain), Error);

  Signer signer;
  EidVerifier v(verifier_config(signer));
  he::EidTerminal t(c.bert);  // a real DG14, read under PACE on another card...
  t.pace(he::PacePassword::pin("123456"));
  he::EidHandover h = he::take_handover(t);
  h.k_enc = crypto::random_secret(16);  // ...but keys of no PACE session on anna
  h.k_mac = crypto::random_secret(16);
  const Bytes first =
      v.start("tx-0002-nopace", he::seal_handover(v.handover_public_key(), "tx-0002-nopace", h));
  const SessionStep s =
      relay_until_end(v, "tx-0002-nopace", first, {[&](std::size_t) -> host::Reader& { return c.anna; }});
  ASSERT_EQ(s.kind, SessionStep::Kind::failed);
  EXPECT_NE(s.failure.find("does not verify under the handed-over PACE keys"), std::string::npos)
      << s.failure;
  EXPECT_EQ(v.status("tx-0002-nopace").state, TransactionStatus::State::failed);
}

// Threat: wrong PIN. PACE fails on the card (counter down), nothing reaches the back end.
TEST(EidMiddleware, WrongPinNeverReachesTheBackEnd) {
  Cards c;
  Signer signer;
  EidVerifier v(verifier_config(signer));
  InProcessLink link(v);
  try {
    he::present_eid(c.anna, he::PacePassword::pin("000000"), "tx-0003-wrongpin", link);
    FAIL() << "a wrong PIN was accepted";
  } catch (const he::CardRefused& e) {
    EXPECT_EQ(e.sw(), 0x63C2);  // 2 tries left
  }
  EXPECT_EQ(link.starts, 0);
  EXPECT_THROW(v.status("tx-0003-wrongpin"), EidRequestError);  // no transaction, no DigitalID
}

// Threat: a second Chip Authentication on one PACE. A front end that ran CA itself (so it would
// know the keys of the identity channel) hands over that channel: the card refuses the back end's
// CA (6985), and the back end stops.
TEST(EidMiddleware, SecondChipAuthenticationOnOnePaceIsRefused) {
  Cards c;
  Signer signer;
  EidVerifier v(verifier_config(signer));
  he::EidTerminal t(c.anna);
  t.pace(he::PacePassword::pin("123456"));
  he::EidHandover h;
  h.dg14 = t.chip_authentication();  // the front end's own CA
  h.k_enc = t.channel()->k_enc();
  h.k_mac = t.channel()->k_mac();
  h.ssc = t.channel()->session().ssc();
  const Bytes first =
      v.start("tx-0004-secondca", he::seal_handover(v.handover_public_key(), "tx-0004-secondca", h));
  const SessionStep s =
      relay_until_end(v, "tx-0004-secondca", first, {[&](std::size_t) -> host::Reader& { return c.anna; }});
  ASSERT_EQ(s.kind, SessionStep::Kind::failed);
  EXPECT_NE(s.failure.find("6985"), std::string::npos) << s.failure;
  EXPECT_NE(s.failure.find("already done on this PACE"), std::string::npos) << s.failure;
}

// Threat: DG1/EF.SOD taken from another card after Chip Authentication (a front end swapping
// cards). The other card cannot answer under keys only anna's chip can derive.
TEST(EidMiddleware, AnswersFromAnotherCardAfterChipAuthenticationFail) {
  Cards c;
  Signer signer;
  EidVerifier v(verifier_config(signer));
  // bert has a PACE + CA session of the malicious front end's own, ready to answer in SM.
  he::EidTerminal b(c.bert);
  b.pace(he::PacePassword::pin("123456"));
  b.chip_authentication();
  const Bytes first = honest_start(v, c.anna, "tx-0005-swap0001");
  const SessionStep s =
      relay_until_end(v, "tx-0005-swap0001", first,
                      {[&](std::size_t n) -> host::Reader& { return n < 2 ? c.anna : c.bert; }});
  ASSERT_EQ(s.kind, SessionStep::Kind::failed);
  EXPECT_NE(s.failure.find("does not verify under the Chip Authentication keys"), std::string::npos)
      << s.failure;

  // And DG14 of bert with anna's PACE session: CA runs against a key anna's chip does not hold.
  he::EidTerminal t(c.anna);
  t.pace(he::PacePassword::pin("123456"));
  he::EidHandover h = he::take_handover(t);
  he::EidTerminal b2(c.bert);
  b2.pace(he::PacePassword::pin("123456"));
  h.dg14 = he::take_handover(b2).dg14;
  const Bytes f2 =
      v.start("tx-0005-swap0002", he::seal_handover(v.handover_public_key(), "tx-0005-swap0002", h));
  const SessionStep s2 =
      relay_until_end(v, "tx-0005-swap0002", f2, {[&](std::size_t) -> host::Reader& { return c.anna; }});
  ASSERT_EQ(s2.kind, SessionStep::Kind::failed);
  EXPECT_NE(s2.failure.find("Chip Authentication keys"), std::string::npos) << s2.failure;
}

// Threat: altered data. (a) The relay flips a bit of an answer: its MAC fails. (b) A card whose
// DG1 differs from what the Document Signer signed: passive authentication fails. (c) An altered
// handover does not open.
TEST(EidMiddleware, AlteredDataFailsClosed) {
  Cards c;
  Signer signer;
  EidVerifier v(verifier_config(signer));
  const Bytes first = honest_start(v, c.anna, "tx-0006-altered1");
  const SessionStep s = relay_until_end(v, "tx-0006-altered1", first,
                                        {[&](std::size_t) -> host::Reader& { return c.anna; },
                                         [](std::size_t n, Bytes& r) {
                                           if (n == 2 && r.size() > 4)
                                             r[3] ^= 0x01;  // inside DG1's cryptogram (the first read)
                                         }});
  ASSERT_EQ(s.kind, SessionStep::Kind::failed);
  EXPECT_NE(s.failure.find("does not verify"), std::string::npos) << s.failure;

  Cards altered([](SecureBytes& params) {  // the MRZ name in DG1: ERIKSSON -> ERIKSSOM
    const std::string needle = "ERIKSSON";
    std::uint8_t* p = params.data();
    for (std::size_t i = 0; i + needle.size() <= params.size(); ++i)
      if (std::equal(needle.begin(), needle.end(), p + i)) {
        p[i + 7] = 'M';
        return;
      }
    FAIL() << "no MRZ name in the install parameters";
  });
  InProcessLink link(v);
  EXPECT_THROW(he::present_eid(altered.anna, he::PacePassword::pin("123456"), "tx-0006-altered2", link),
               he::BackEndRefused);
  const TransactionStatus st = v.status("tx-0006-altered2");
  ASSERT_EQ(st.state, TransactionStatus::State::failed);
  EXPECT_EQ(st.failure, "passive authentication: DG1 does not match its hash in EF.SOD");
  EXPECT_TRUE(st.digital_id.empty());

  he::EidTerminal t(c.anna);
  t.pace(he::PacePassword::pin("123456"));
  crypto::EcdhEnvelope e =
      he::seal_handover(v.handover_public_key(), "tx-0006-altered3", he::take_handover(t));
  e.box[5] ^= 0x80;
  EXPECT_THROW(v.start("tx-0006-altered3", e), EidRequestError);
  e.box[5] ^= 0x80;
  EXPECT_THROW(v.start("tx-0006-another1", e), EidRequestError);  // bound to its transaction
  EXPECT_NO_THROW(v.start("tx-0006-altered3", e));
}

TEST(EidMiddleware, RevokedDocumentAndUnknownCscaFail) {
  Cards c;
  Signer signer;
  EidVerifierConfig cfg = verifier_config(signer);
  cfg.is_revoked = [](const std::string& n) { return n == "D23145890"; };
  EidVerifier v(std::move(cfg));
  InProcessLink link(v);
  EXPECT_THROW(he::present_eid(c.anna, he::PacePassword::pin("123456"), "tx-0007-revoked1", link),
               he::BackEndRefused);
  EXPECT_EQ(v.status("tx-0007-revoked1").failure, "revocation: document D23145890 is revoked");
  EXPECT_NO_THROW(he::present_eid(c.bert, he::PacePassword::pin("123456"), "tx-0007-notrevk1", link));
  EXPECT_EQ(v.status("tx-0007-notrevk1").state, TransactionStatus::State::verified);

  const TestPki other;
  EidVerifier v2(verifier_config(signer, {other.csca}));
  InProcessLink link2(v2);
  EXPECT_THROW(he::present_eid(c.anna, he::PacePassword::pin("123456"), "tx-0007-othercsca", link2),
               he::BackEndRefused);
  EXPECT_NE(v2.status("tx-0007-othercsca").failure.find("passive authentication"), std::string::npos);
}

// A back end (or whoever impersonates it past TLS) cannot use the front end as a plain reader: a
// command without secure messaging is not relayed.
TEST(EidMiddleware, FrontEndRelaysOnlySecureMessaging) {
  Cards c;
  struct PlainLink final : he::BackEndLink {
    crypto::EcPublicKey handover_key() override {
      return crypto::EcPrivateKey::generate(crypto::Curve::p256).public_key();
    }
    Bytes start(const std::string&, const crypto::EcdhEnvelope&) override {
      return {0x00, 0xB0, 0x81, 0x00, 0x00};
    }
    std::optional<Bytes> respond(const std::string&, ByteView) override { return std::nullopt; }
  } link;
  try {
    he::present_eid(c.anna, he::PacePassword::pin("123456"), "tx-0009-plaincmd", link);
    FAIL() << "a plain command was relayed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("without secure messaging"), std::string::npos) << e.what();
  }
  he::BackEndEndpoint e;
  he::parse_back_end_url("https://verifier.example:8443", e);
  EXPECT_EQ(e.host, "verifier.example");
  EXPECT_EQ(e.port, 8443);
  he::parse_back_end_url("https://[::1]", e);
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.port, 443);
  EXPECT_THROW(he::parse_back_end_url("http://verifier.example", e), Error);
  EXPECT_THROW(he::parse_back_end_url("https://verifier.example/path", e), Error);
  EXPECT_THROW(he::parse_back_end_url("https://verifier.example:99999", e), Error);
  EXPECT_THROW(he::HttpsBackEndLink(he::BackEndEndpoint{"localhost", 8443, {}, {}, {}}),
               Error);  // not pinned
  EXPECT_THROW(he::HttpsBackEndLink(he::BackEndEndpoint{"localhost", 8443, {}, "abcd", {}}), Error);
}

// Transactions expire (the clock is injected), are limited in number, and run in parallel.
TEST(EidMiddleware, TransactionsExpireAreBoundedAndRunInParallel) {
  Cards c;
  Signer signer;
  EidVerifierConfig cfg = verifier_config(signer);
  auto now = std::make_shared<std::chrono::system_clock::time_point>(std::chrono::system_clock::now());
  cfg.clock = [now] { return *now; };
  cfg.max_sessions = 2;
  EidVerifier v(std::move(cfg));
  InProcessLink link(v);
  he::present_eid(c.anna, he::PacePassword::pin("123456"), "tx-0010-expires1", link);
  EXPECT_EQ(v.status("tx-0010-expires1").state, TransactionStatus::State::verified);
  honest_start(v, c.bert, "tx-0010-pending1");
  try {
    honest_start(v, c.anna, "tx-0010-toomany1");
    FAIL() << "a third transaction was accepted";
  } catch (const EidRequestError& e) {
    EXPECT_EQ(e.kind(), EidRequestError::Kind::busy);
  }
  *now += std::chrono::seconds(301);
  try {
    v.status("tx-0010-expires1");
    FAIL() << "an expired transaction was still there";
  } catch (const EidRequestError& e) {
    EXPECT_EQ(e.kind(), EidRequestError::Kind::not_found);
  }
  // Both slots are free again: two front ends at once, one card each.
  std::vector<std::thread> threads;
  std::vector<std::string> errors(2);
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&, i] {
      try {
        he::present_eid(i == 0 ? c.anna : c.bert, he::PacePassword::pin("123456"),
                        "tx-0010-parallel" + std::to_string(i), link);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");
  const json p0 = payload_of(v.status("tx-0010-parallel0").digital_id, signer);
  const json p1 = payload_of(v.status("tx-0010-parallel1").digital_id, signer);
  EXPECT_EQ(p0["document"]["number"], "D23145890");
  EXPECT_EQ(p1["document"]["number"], "X00000001");
}

TEST(EidMiddleware, TransactionIdsAndHandoverFormat) {
  EXPECT_THROW(he::check_transaction_id("short"), Error);
  EXPECT_THROW(he::check_transaction_id("has space in it"), Error);
  EXPECT_THROW(he::check_transaction_id(std::string(65, 'a')), Error);
  EXPECT_NO_THROW(he::check_transaction_id("Abc-123_xyz"));
  const auto key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  he::EidHandover h{Bytes{0x6E, 0x00}, crypto::random_secret(16), crypto::random_secret(16), Bytes(16, 0)};
  h.ssc[15] = 2;
  const he::EidHandover back =
      he::open_handover(key, "tx-format-1", he::seal_handover(key.public_key(), "tx-format-1", h));
  EXPECT_EQ(back.dg14, h.dg14);
  EXPECT_TRUE(back.k_enc == h.k_enc);
  EXPECT_TRUE(back.k_mac == h.k_mac);
  EXPECT_EQ(back.ssc, h.ssc);
  const auto other = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  EXPECT_THROW(he::open_handover(other, "tx-format-1", he::seal_handover(key.public_key(), "tx-format-1", h)),
               Error);
}

}  // namespace
}  // namespace sesame::services::eid
