// The Contactless Registry Service wired to the payment applications (GP Amendment C, docs/EMV.md
// "Contactless registry"): a payment application registers and activates itself at install, the
// single-active rule (unless same group), the PPSE announcing only ACTIVATED payment
// applications, SET STATUS / GET STATUS of the CRS application, 3 wrong Personal Codes making the
// application NON_ACTIVATABLE, DELETE leaving the registry.
// Threats: a blocked payment application still offered to terminals (NON_ACTIVATABLE hidden from
// the PPSE); the wallet re-activating an application the card blocked (SET STATUS refused).
#include <gtest/gtest.h>

#include "emv_payment_fixture.h"

namespace sesame::applets::emv::testing {
namespace {

const Bytes kMaestro = from_hex("A0000000043060");
constexpr const char* kSelectPpse = "00A404000E325041592E5359532E444446303100";
constexpr const char* kSelectCrs = "00A4040009A0000001514352530000";

std::string profile_with(const nlohmann::json& contactless, bool personal_code = false) {
  return test_profile([&](nlohmann::json& j) {
    if (!contactless.is_null()) j["contactless"] = contactless;
    if (personal_code) j["personal_code"] = {{"mode", "tap_pin_tap"}, {"entry_limit", 3000}};
  });
}

std::string aid_data(const std::string& aid_hex) {
  char l[3];
  std::snprintf(l, sizeof l, "%02X", static_cast<unsigned>(aid_hex.size() / 2));
  return std::string("4F") + l + aid_hex;
}
std::string set_status(const std::string& p2, const std::string& aid_hex) {
  const std::string d = aid_data(aid_hex);
  char lc[3];
  std::snprintf(lc, sizeof lc, "%02X", static_cast<unsigned>(d.size() / 2));
  return "80F001" + p2 + lc + d;
}
std::string get_status(const std::string& aid_hex) {
  const std::string d = aid_data(aid_hex);
  char lc[3];
  std::snprintf(lc, sizeof lc, "%02X", static_cast<unsigned>(d.size() / 2));
  return "80F24000" + std::string(lc) + d + "00";
}

class EmvContactless : public ::testing::Test, public PaymentFixture {
 public:
  explicit EmvContactless(const std::string& profile = test_profile()) : PaymentFixture(profile) {
    // The PPSE knows both brands; the registry decides which it announces.
    service->delete_applet(seid, kPpseAid);
    service->install_applet(seid, kPpseModule, kPpseAid,
                            as_bytes(R"({"applications":[{"aid":"A0000000041010","label":"MC","priority":1},)"
                                     R"({"aid":"A0000000043060","label":"MAESTRO","priority":2}]})"));
    service->install_applet(seid, kCrsModule, kCrsAid, {});
  }
  std::vector<std::string> ppse() {
    const auto r = tx(kSelectPpse);
    EXPECT_EQ(r.sw, 0x9000);
    std::vector<std::string> out;
    const Tlv fci = parse_one(r.data);
    for (const Tlv* e : fci.find_path({0xA5, 0xBF0C})->find_all(0x61)) out.push_back(to_hex(e->require(0x4F).value()));
    return out;
  }
  // The 9F70 value (life cycle, contactless state) through the CRS application.
  std::string state(const std::string& aid_hex) {
    EXPECT_EQ(sw(kSelectCrs), 0x9000);
    const auto r = tx(get_status(aid_hex));
    if (r.sw != 0x9000) return iso7816::sw_name(r.sw);
    return to_hex(parse_one(r.data).require(0x9F70).value());
  }
  std::uint16_t crs(const std::string& apdu) {
    EXPECT_EQ(sw(kSelectCrs), 0x9000);
    return sw(apdu);
  }
  void install_maestro(const nlohmann::json& contactless = nullptr) {
    service->install_applet(seid, kPaymentModule, kMaestro, as_bytes(profile_with(contactless)));
  }
};

TEST_F(EmvContactless, InstalledPaymentApplicationIsActivatedAndTheNextOneTakesOver) {
  EXPECT_EQ(ppse(), std::vector<std::string>{"A0000000041010"}) << "Maestro is not installed: not announced";
  EXPECT_EQ(state("A0000000041010"), "0701");  // SELECTABLE, ACTIVATED
  install_maestro();
  EXPECT_EQ(ppse(), std::vector<std::string>{"A0000000043060"}) << "one payment application ACTIVATED";
  EXPECT_EQ(state("A0000000041010"), "0780");  // DEACTIVATED
  EXPECT_EQ(state("A0000000043060"), "0701");
}

TEST_F(EmvContactless, SameGroupStaysActivatedTogether) {
  service->delete_applet(seid, kMastercardAid);
  service->install_applet(seid, kPaymentModule, kMastercardAid, as_bytes(profile_with({{"group", 7}})));
  install_maestro({{"group", 7}});
  EXPECT_EQ(ppse(), (std::vector<std::string>{"A0000000041010", "A0000000043060"}));
  // A third payment application of another group takes over from both.
  service->install_applet(seid, kPaymentModule, from_hex("A0000000042203"), as_bytes(profile_with({{"group", 8}})));
  EXPECT_TRUE(ppse().empty()) << "the PPSE lists neither (and does not know the new AID)";
  EXPECT_EQ(state("A0000000041010"), "0780");
  EXPECT_EQ(state("A0000000043060"), "0780");
  EXPECT_EQ(state("A0000000042203"), "0701");
}

TEST_F(EmvContactless, InstalledDeactivatedWhenTheProfileSaysSo) {
  install_maestro({{"activated", false}});
  EXPECT_EQ(ppse(), std::vector<std::string>{"A0000000041010"});
  EXPECT_EQ(state("A0000000043060"), "0780");
}

TEST_F(EmvContactless, SetStatusActivatesAndDeactivates) {
  install_maestro();
  EXPECT_EQ(crs(set_status("01", "A0000000041010")), 0x9000);
  EXPECT_EQ(ppse(), std::vector<std::string>{"A0000000041010"});
  EXPECT_EQ(state("A0000000043060"), "0780") << "activating one deactivated the other";
  EXPECT_EQ(crs(set_status("00", "A0000000041010")), 0x9000);
  EXPECT_TRUE(ppse().empty());
  EXPECT_EQ(sw(kSelectPayment), 0x9000) << "DEACTIVATED: still selectable (log reading, PIN change)";
  EXPECT_EQ(crs(set_status("00", "A0000000041010")), 0x9000) << "again: nothing changes";

  EXPECT_EQ(crs("80F0020109" + aid_data("A0000000041010")), 0x6A86);
  EXPECT_EQ(crs("80F0010209" + aid_data("A0000000041010")), 0x6A86);
  EXPECT_EQ(crs("80F00101094F08A000000004101000"), 0x6A80);
  EXPECT_EQ(crs("80F001010A" + aid_data("A0000000041010") + "00"), 0x6A80);
  EXPECT_EQ(crs(set_status("01", "A0000000031010")), 0x6A88) << "no such application";
  EXPECT_EQ(crs("00F0010109" + aid_data("A0000000041010")), 0x6E00);
  EXPECT_EQ(crs("80F1010109" + aid_data("A0000000041010")), 0x6D00);
}

TEST_F(EmvContactless, DeleteLeavesTheRegistry) {
  service->delete_applet(seid, kMastercardAid);
  EXPECT_EQ(state("A0000000041010"), iso7816::sw_name(0x6A88));
  EXPECT_TRUE(ppse().empty());
}

class EmvContactlessCode : public EmvContactless {
 public:
  EmvContactlessCode() : EmvContactless(profile_with(nullptr, true)) {}
};

TEST_F(EmvContactlessCode, ThreeWrongCodesMakeItNonActivatable) {
  select_payment();
  EXPECT_EQ(sw("0020008008249999FFFFFFFFFF"), 0x63C2);
  EXPECT_EQ(sw("0020008008249999FFFFFFFFFF"), 0x63C1);
  EXPECT_EQ(state("A0000000041010"), "0701") << "still ACTIVATED with tries left";
  select_payment();
  EXPECT_EQ(sw("0020008008249999FFFFFFFFFF"), 0x63C0);
  EXPECT_EQ(state("A0000000041010"), "0781");  // NON_ACTIVATABLE
  EXPECT_TRUE(ppse().empty()) << "no longer offered to terminals";
  EXPECT_EQ(crs(set_status("01", "A0000000041010")), 0x6985) << "the wallet cannot re-activate it";
  EXPECT_EQ(crs(set_status("00", "A0000000041010")), 0x6985) << "nor lift NON_ACTIVATABLE by deactivating";
  EXPECT_EQ(state("A0000000041010"), "0781");
}

}  // namespace
}  // namespace sesame::applets::emv::testing
