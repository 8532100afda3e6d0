// Supplementary Security Domains and delegated management from the terminal (host/gp/
// delegated_management.h) against a hosted card through the InProcessReader: the ISD owner puts its
// token and receipt keys, creates an SSD with Delegated Management; the SSD's provider installs a
// demo applet with the owner's token, personalises it through its own secure channel, and the owner
// verifies the receipt. Refusals: a token for other data, for an old counter value (replay), no
// token, and receipts that do not verify. The card side: tests/unit/card/gp_delegated_test.cpp.
#include <gtest/gtest.h>

#include "../common/expect_errc.h"
#include "applets/builtin.h"
#include "applets/demo/demo_applet.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "host/gp/delegated_management.h"
#include "host/gp/get_status.h"
#include "host/gp/install.h"
#include "host/gp/store_data.h"
#include "host/in_process_reader.h"
#include "store/memory_store.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::host::gp {
namespace {

const Bytes kSsd = from_hex("A000000151535001");
const Bytes kApp = from_hex("F0534553414D4509");
const Bytes kDemoLoadFile = from_hex("F0534553414D450001");
const Bytes kDemoModule = from_hex("F0534553414D45000101");
const Bytes kReceiptKey = from_hex("000102030405060708090A0B0C0D0E0F");

class GpDelegatedHostTest : public ::testing::Test {
 protected:
  GpDelegatedHostTest()
      : store(store::open_memory_store(crypto::random_secret(32))),
        registry(applets::builtin_registry()),
        cards(*store, registry) {
    seid = cards.create_card({.seid = "gp-dm", .label = ""});
    reader = std::make_unique<InProcessReader>(cards, seid);
  }

  // The ISD owner prepares the card: its keys, and an SSD with Delegated Management.
  void prepare() {
    auto isd = Scp03Session::open(*reader, Scp03Options{});
    put_token_key(*isd, owner.public_key());
    put_receipt_key(*isd, kReceiptKey);
    install_security_domain(*isd, kSsd, Bytes{0xA0});
  }
  std::unique_ptr<Scp03Session> open_ssd() {
    Scp03Options o;
    o.sd_aid = kSsd;
    o.security_level = 0x33;
    return Scp03Session::open(*reader, o);
  }

  std::unique_ptr<store::Store> store;
  card::AppletRegistry registry;
  card::CardService cards;
  std::string seid;
  std::unique_ptr<InProcessReader> reader;
  crypto::EcPrivateKey owner = crypto::EcPrivateKey::generate(crypto::Curve::p256);
};

TEST_F(GpDelegatedHostTest, DelegatedInstallPersonaliseAndDelete) {
  prepare();
  const std::uint16_t counter = confirmation_counter(*reader);
  EXPECT_EQ(counter, 0);
  auto ssd = open_ssd();
  const Bytes cud = ssd->key_diversification_data();
  const DelegatedCommand install = delegated_install(kDemoLoadFile, kDemoModule, kApp);
  const auto conf = run_delegated(*ssd, install, make_token(owner, install, counter + 1, cud));
  EXPECT_EQ(conf.counter, 1);
  verify_receipt(kReceiptKey, install, conf, 1, cud);
  // The SSD lists and personalises its own application (the ISD no longer may).
  const auto apps = get_status(*ssd, StatusScope::applications);
  ASSERT_EQ(apps.size(), 1u);
  EXPECT_EQ(apps[0].aid, kApp);
  EXPECT_EQ(apps[0].security_domain_aid, kSsd);
  std::vector<DgiEntry> dgis;
  dgis.push_back({applets::demo::kDgiCounter, SecureBytes(from_hex("00000010")), false, 1});
  dgis.push_back({applets::demo::kDgiPin, SecureBytes(as_bytes(std::string("2468"))), true, 2});
  personalise(*ssd, kApp, dgis);
  {
    auto isd = Scp03Session::open(*reader, Scp03Options{});
    test::expect_errc(Errc::state, [&] { personalise(*isd, kApp, dgis); });
  }
  // DELETE with a token for the next counter value.
  auto ssd2 = open_ssd();
  const DelegatedCommand del = delegated_delete(kApp);
  const auto conf2 = run_delegated(*ssd2, del, make_token(owner, del, 2, cud));
  verify_receipt(kReceiptKey, del, conf2, 2, cud);
  EXPECT_EQ(cards.info(seid).applets.size(), 2u) << "ISD and SSD";
  EXPECT_EQ(confirmation_counter(*reader), 2);
}

TEST_F(GpDelegatedHostTest, WrongTokensAndReceiptsAreRefused) {
  prepare();
  auto ssd = open_ssd();
  const Bytes cud = ssd->key_diversification_data();
  const DelegatedCommand install = delegated_install(kDemoLoadFile, kDemoModule, kApp);
  const DelegatedCommand other = delegated_install(kDemoLoadFile, kDemoModule, from_hex("F0534553414D4508"));
  // Refusals keep the session: each answers 6982 and changes nothing.
  test::expect_errc(Errc::state, [&] { run_delegated(*ssd, install, make_token(owner, other, 1, cud)); });
  test::expect_errc(Errc::state, [&] { run_delegated(*ssd, install, Bytes{}); });
  const auto stranger = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  test::expect_errc(Errc::state,
                    [&] { run_delegated(*ssd, install, make_token(stranger, install, 1, cud)); });
  Bytes other_card = cud;
  other_card[9] ^= 0x01;
  test::expect_errc(Errc::state,
                    [&] { run_delegated(*ssd, install, make_token(owner, install, 1, other_card)); });
  EXPECT_EQ(cards.info(seid).applets.size(), 2u);
  // The right token works once; its replay is refused.
  const Bytes token = make_token(owner, install, 1, cud);
  const auto conf = run_delegated(*ssd, install, token);
  run_delegated(*ssd, delegated_delete(kApp), make_token(owner, delegated_delete(kApp), 2, cud));
  try {
    run_delegated(*ssd, install, token);
    ADD_FAILURE() << "a replayed token was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("6982"), std::string::npos) << e.what();
  }
  EXPECT_EQ(cards.info(seid).applets.size(), 2u);
  // Receipts: the right one verifies; a changed receipt, another key, another counter or another
  // card's data do not.
  verify_receipt(kReceiptKey, install, conf, 1, cud);
  auto tampered = conf;
  tampered.receipt[0] ^= 0x01;
  test::expect_errc(Errc::crypto, [&] { verify_receipt(kReceiptKey, install, tampered, 1, cud); });
  test::expect_errc(Errc::crypto, [&] {
    verify_receipt(from_hex("0F0E0D0C0B0A09080706050403020100"), install, conf, 1, cud);
  });
  test::expect_errc(Errc::crypto, [&] { verify_receipt(kReceiptKey, install, conf, 2, cud); });
  test::expect_errc(Errc::crypto, [&] { verify_receipt(kReceiptKey, other, conf, 1, cud); });
  test::expect_errc(Errc::crypto, [&] { verify_receipt(kReceiptKey, install, conf, 1, other_card); });
}

TEST_F(GpDelegatedHostTest, ExtraditionAndKeyReplacement) {
  prepare();
  {
    auto isd = Scp03Session::open(*reader, Scp03Options{});
    install(*isd, kDemoLoadFile, kDemoModule, kApp);
    extradite(*isd, kApp, kSsd);
    test::expect_errc(Errc::state, [&] { install_security_domain(*isd, kSsd, Bytes{0x80}); });  // AID in use
    test::expect_errc(Errc::state, [&] { put_receipt_key(*isd, kReceiptKey); });  // exists: 6A80
    put_receipt_key(*isd, from_hex("101112131415161718191A1B1C1D1E1F"), true);
  }
  auto ssd = open_ssd();
  const Bytes cud = ssd->key_diversification_data();
  ASSERT_EQ(get_status(*ssd, StatusScope::applications).size(), 1u);
  const DelegatedCommand back = delegated_extradition(kApp, isd_aid());
  const auto conf = run_delegated(*ssd, back, make_token(owner, back, 1, cud));
  verify_receipt(from_hex("101112131415161718191A1B1C1D1E1F"), back, conf, 1, cud);
  test::expect_errc(Errc::crypto, [&] { verify_receipt(kReceiptKey, back, conf, 1, cud); });
  EXPECT_TRUE(get_status(*ssd, StatusScope::applications).empty());
}

}  // namespace
}  // namespace sesame::host::gp
