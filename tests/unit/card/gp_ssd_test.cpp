// Supplementary Security Domains (GP Card Specification 2.3 §7, §11.5): INSTALL [for install] of an
// SSD with privileges through the ISD, the SSD's own SCP03 key sets (PUT KEY under its own session),
// association of applications (INSTALL through an SSD, INSTALL [for extradition]) and the rule that
// an SSD lists, personalises, locks and deletes only the applications associated with it.
#include <gtest/gtest.h>

#include <cstdio>

#include "card/card_state.h"
#include "card/key_set.h"
#include "card/security_domain.h"
#include "gp_session.h"
#include "iso7816/gp_key_data.h"
#include "test_harness.h"

namespace sesame::card {
namespace {

using testing::GpSession;
using testing::Harness;

constexpr const char* kIsd = "A000000151000000";
constexpr const char* kSsd = "A000000151535001";
constexpr const char* kSdLoadFile = "A0000001515350";
constexpr const char* kSdModule = "A000000151535041";
constexpr const char* kAppA = "A0000009990101";  // kTxAid1
constexpr const char* kAppB = "A0000009990102";  // kTxAid2

std::string lv(const std::string& hex) {
  char b[3];
  std::snprintf(b, sizeof b, "%02X", static_cast<unsigned>(hex.size() / 2));
  return std::string(b) + hex;
}
std::string apdu(const std::string& header, const std::string& data) {
  return header + lv(data) + "00";
}

std::string install(const std::string& load_file, const std::string& module, const std::string& aid,
                    const std::string& privileges, const std::string& token = "") {
  return apdu("80E60C00", lv(load_file) + lv(module) + lv(aid) + lv(privileges) + lv("C900") + lv(token));
}
std::string install_ssd(const std::string& aid, const std::string& privileges) {
  return install(kSdLoadFile, kSdModule, aid, privileges);
}
std::string install_app(const std::string& aid) {
  return install("A00000099901", "A0000009990100", aid, "00");
}
// GP 2.3 Table 11-47: INSTALL [for extradition]: SD AID, empty, application AID, empty, empty, token.
std::string extradite(const std::string& app, const std::string& sd) {
  return apdu("80E61000", lv(sd) + "00" + lv(app) + "000000");
}
std::string install_for_personalisation(const std::string& aid) {
  return apdu("80E62000", "0000" + lv(aid) + "000000");
}
std::string lock(const std::string& aid) {
  return "80F04080" + lv(aid);
}
std::string del(const std::string& aid) {
  return apdu("80E40000", "4F" + lv(aid));
}
std::string get_status_apps() {
  return "80F24002024F0000";
}

class GpSsdTest : public ::testing::Test {
 protected:
  Harness h;
  // The ISD's session on channel 0 (the ISD is selected after reset).
  GpSession isd{h};

  void create_ssd(const std::string& privileges) {
    isd.open(0x01);
    ASSERT_EQ(isd.data(install_ssd(kSsd, privileges)), "00");
  }
  // SELECT the SSD on channel 0 and open its own secure channel with `keys` (key set 30).
  std::unique_ptr<GpSession> open_ssd(iso7816::scp03::StaticKeys keys = gp_test_keys()) {
    EXPECT_EQ(h.sw(std::string("00A4040008") + kSsd), 0x9000);
    auto s = std::make_unique<GpSession>(h, std::move(keys));
    s->open(0x03);
    return s;
  }
  // An E3 entry of GET STATUS P1 40 (tag-list format) for a test applet.
  static std::string app_entry(const std::string& aid, const std::string& life_cycle, const std::string& sd) {
    const std::string in =
        "4F" + lv(aid) + "9F7001" + life_cycle + "C503000000" + "C406A00000099901" + "CC" + lv(sd);
    return "E3" + lv(in);
  }
};

TEST_F(GpSsdTest, TheIsdCreatesAnSsdWithPrivileges) {
  create_ssd("80");
  const std::string in =
      std::string("4F08") + kSsd + "9F700107" + "C503800000" + "C407" + kSdLoadFile + "CC08" + kIsd;
  EXPECT_EQ(isd.data("80F240020A" + std::string("4F08") + kSsd + "00"), "E3" + lv(in))
      << "privileges 80 00 00, SD load file";
  const auto info = h.service->info(h.seid);
  ASSERT_EQ(info.applets.size(), 2u);
  EXPECT_EQ(info.applets[1].module, kSsdModule);
  EXPECT_FALSE(info.applets[1].security_domain) << "CardInfo flags only the ISD";
  // Selectable, with the GP FCI naming it, and its own secure channel with the development keys.
  auto r = h.tx(std::string("00A4040008") + kSsd + "00");
  EXPECT_EQ(r.sw, 0x9000);
  EXPECT_NE(to_hex(r.data).find(std::string("8408") + kSsd), std::string::npos);
  GpSession ssd(h);
  ssd.open(0x01);
  EXPECT_EQ(ssd.sw("80F24002024F0000"), 0x6A88) << "no applications associated with it yet";
  h.reload();
  EXPECT_EQ(h.service->info(h.seid).applets[1].module, kSsdModule) << "durable";
}

TEST_F(GpSsdTest, PrivilegesTheCardDoesNotGrantAreRefused) {
  isd.open(0x01);
  EXPECT_EQ(isd.sw(install_ssd(kSsd, "00")), 0x6A80) << "an SD needs the Security Domain privilege";
  EXPECT_EQ(isd.sw(install_ssd(kSsd, "C0")), 0x6A80) << "DAP Verification is not supported";
  EXPECT_EQ(isd.sw(install_ssd(kSsd, "A04000")), 0x6A80) << "Delegated and Authorized Management together";
  EXPECT_EQ(isd.sw(install_ssd(kSsd, "842000")), 0x6A80) << "Card Reset stays with the ISD";
  EXPECT_EQ(isd.sw(install_ssd(kSsd, "800080")), 0x6A80) << "Receipt Generation stays with the ISD";
  EXPECT_EQ(isd.sw(install_ssd(kSsd, "8000")), 0x6A80) << "privileges are 1 or 3 bytes";
  EXPECT_EQ(isd.sw(install_app(kAppA)), 0x9000);
  EXPECT_EQ(isd.sw(install("A00000099901", "A0000009990100", "A0000009990177", "80")), 0x6A80)
      << "an application as SD";
  EXPECT_EQ(h.service->info(h.seid).applets.size(), 2u) << "only the plain application was installed";
  EXPECT_EQ(isd.data(install_ssd(kSsd, "984000")), "00")
      << "SD, Card Lock, Card Terminate, Authorized Management";
}

TEST_F(GpSsdTest, AnSsdHasItsOwnKeySets) {
  create_ssd("80");
  auto ssd = open_ssd();
  iso7816::scp03::StaticKeys keys{SecureBytes(from_hex("101112131415161718191A1B1C1D1E1F")),
                                  SecureBytes(from_hex("202122232425262728292A2B2C2D2E2F")),
                                  SecureBytes(from_hex("303132333435363738393A3B3C3D3E3F"))};
  const Bytes data = iso7816::gp::encode_put_key_data(0x30, keys, gp_test_keys().dek.view());
  const iso7816::CommandApdu put{0x80, 0xD8, 0x30, 0x81, data, 256, false};
  EXPECT_EQ(ssd->tx(to_hex(put.encode())).sw, 0x9000);
  // The SSD's old keys open nothing any more, its new ones do; the ISD keeps the test keys.
  EXPECT_EQ(h.sw(std::string("00A4040008") + kSsd), 0x9000);
  GpSession old_keys(h);
  ASSERT_EQ(old_keys.initialize_update().sw, 0x9000);
  EXPECT_FALSE(old_keys.card_cryptogram_ok());
  open_ssd(keys);
  EXPECT_EQ(h.sw(std::string("00A4040008") + kIsd), 0x9000);
  GpSession isd2(h);
  isd2.open(0x01);
  EXPECT_EQ(h.stored(from_hex(kSsd), "scp03/keys/30").empty(), false);
}

TEST_F(GpSsdTest, AnSsdManagesOnlyItsOwnApplications) {
  create_ssd("80");
  h.install_test_applets();  // A and B (and two more) associated with the ISD
  EXPECT_EQ(isd.data(extradite(kAppB, kSsd)), "00");
  auto ssd = open_ssd();
  // GET STATUS: only B, with the SSD as its security domain; no ISD entry, no load files.
  EXPECT_EQ(ssd->data(get_status_apps()), app_entry(kAppB, "07", kSsd));
  EXPECT_EQ(ssd->sw("80F28002024F0000"), 0x6A88);
  EXPECT_EQ(ssd->sw("80F22002024F0000"), 0x6A88);
  // Personalisation and locking: B yes, A no (GP 2.3 §7.3).
  EXPECT_EQ(ssd->data(install_for_personalisation(kAppB)), "00");
  EXPECT_EQ(ssd->sw(install_for_personalisation(kAppA)), 0x6985);
  EXPECT_EQ(ssd->sw(lock(kAppA)), 0x6985);
  EXPECT_EQ(ssd->sw(lock(kAppB)), 0x9000);
  EXPECT_EQ(ssd->sw("80F0400007" + std::string(kAppB)), 0x9000) << "and unlock";
  EXPECT_EQ(ssd->sw(lock(kSsd)), 0x6985) << "not itself";
  // No content management without Authorized or Delegated Management.
  EXPECT_EQ(ssd->sw(install_app("A0000009990199")), 0x6985);
  EXPECT_EQ(ssd->sw(del(kAppB)), 0x6985);
  EXPECT_EQ(ssd->sw(extradite(kAppB, kIsd)), 0x6985);
  EXPECT_EQ(ssd->sw("80F0807F00"), 0x6985) << "no Card Lock privilege";
  // The card as the ISD sees it: B associated with the SSD; the ISD no longer personalises B,
  // but it may still lock any application.
  EXPECT_EQ(h.sw(std::string("00A4040008") + kIsd), 0x9000);
  GpSession isd2(h);
  isd2.open(0x01);
  const std::string all = isd2.data(get_status_apps());
  EXPECT_NE(all.find(app_entry(kAppB, "07", kSsd)), std::string::npos);
  EXPECT_NE(all.find(app_entry(kAppA, "07", kIsd)), std::string::npos);
  EXPECT_EQ(isd2.sw(install_for_personalisation(kAppB)), 0x6985);
  EXPECT_EQ(isd2.sw(lock(kAppB)), 0x9000);
  h.reload();
  EXPECT_EQ(h.service->info(h.seid).applets.size(), 6u);
  GpSession isd3(h);
  isd3.open(0x01);
  EXPECT_NE(isd3.data(get_status_apps()).find(app_entry(kAppB, "87", kSsd)), std::string::npos) << "durable";
}

TEST_F(GpSsdTest, AuthorizedManagementInstallsAndDeletesItsOwn) {
  create_ssd("804000");
  h.install_test_applets();
  auto ssd = open_ssd();
  EXPECT_EQ(ssd->data(install_app("A0000009990199")), "00");
  EXPECT_EQ(ssd->data(get_status_apps()), app_entry("A0000009990199", "07", kSsd))
      << "associated with the SSD that installed it";
  EXPECT_EQ(ssd->sw(install_ssd("A000000151535002", "80")), 0x6985)
      << "only the ISD creates security domains";
  EXPECT_EQ(ssd->sw(del(kAppA)), 0x6985) << "the ISD's application";
  EXPECT_EQ(ssd->sw(extradite(kAppA, kSsd)), 0x6985) << "nor take one from the ISD";
  EXPECT_EQ(ssd->sw(del(kSsd)), 0x6985) << "not itself";
  EXPECT_EQ(ssd->data(extradite("A0000009990199", kIsd)), "00") << "give its own to the ISD";
  EXPECT_EQ(ssd->sw(get_status_apps()), 0x6A88);
  EXPECT_EQ(ssd->data(install_app("A0000009990198")), "00");
  EXPECT_EQ(ssd->data(del("A0000009990198")), "00");
  EXPECT_EQ(ssd->sw(del("A0000009990198")), 0x6A88);
}

TEST_F(GpSsdTest, ExtraditionRefusalsAndDeletingAnSsd) {
  create_ssd("80");
  h.install_test_applets();
  EXPECT_EQ(isd.sw(extradite("A0000009990199", kSsd)), 0x6A88) << "no such application";
  EXPECT_EQ(isd.sw(extradite(kAppA, kAppB)), 0x6A88) << "the target is not a security domain";
  EXPECT_EQ(isd.sw(extradite(kAppA, "A000000151535099")), 0x6A88) << "no such security domain";
  EXPECT_EQ(isd.sw(extradite(kSsd, kSsd)), 0x6A80) << "to itself";
  EXPECT_EQ(isd.sw(extradite(kIsd, kSsd)), 0x6985) << "the ISD";
  EXPECT_EQ(isd.sw(apdu("80E61000", lv(kSsd) + "00" + lv(kAppA) + "01800000")), 0x6A80)
      << "privileges in extradition";
  EXPECT_EQ(isd.sw(apdu("80E61001", lv(kSsd) + "00" + lv(kAppA) + "000000")), 0x6A86);
  EXPECT_EQ(isd.data(extradite(kAppA, kSsd)), "00");
  EXPECT_EQ(isd.sw(del(kSsd)), 0x6985) << "GP 2.3 §11.2.2: an SD with associated applications";
  EXPECT_EQ(isd.data(extradite(kAppA, kIsd)), "00") << "back to the ISD";
  h.faults->fail_commit_after = 0;
  EXPECT_EQ(isd.sw(extradite(kAppA, kSsd)), 0x6581);
  h.reload();
  GpSession isd2(h);
  isd2.open(0x01);
  EXPECT_NE(isd2.data(get_status_apps()).find(app_entry(kAppA, "07", kIsd)), std::string::npos)
      << "a failed commit moves nothing";
  EXPECT_EQ(isd2.data(del(kSsd)), "00");
  EXPECT_EQ(h.stored(from_hex(kSsd), "scp03/keys/30"), "") << "its keys are erased with it";
}

TEST_F(GpSsdTest, CardLockPrivilege) {
  create_ssd("90");
  auto ssd = open_ssd();
  EXPECT_EQ(ssd->sw("80F080FF00"), 0x6985) << "no Card Terminate privilege";
  EXPECT_EQ(ssd->sw("80F0800700"), 0x6985) << "only the ISD sets INITIALIZED/SECURED";
  EXPECT_EQ(ssd->sw("80F0807F00"), 0x9000);
  EXPECT_EQ(h.service->info(h.seid).life_cycle, CardLifeCycle::card_locked);
}

TEST_F(GpSsdTest, CardStateVersion1IsStillRead) {
  // Version 1 records have no associated security domain per entry: read as the ISD.
  Bytes v2 = initial_card_state("x").encode().reveal();
  ASSERT_EQ(v2[0], 2);
  ASSERT_EQ(v2.back(), 0x00);  // the ISD's empty security domain field
  Bytes v1(v2.begin(), v2.end() - 1);
  v1[0] = 1;
  const CardState s = CardState::decode(v1);
  ASSERT_EQ(s.applets.size(), 1u);
  EXPECT_TRUE(s.applets[0].security_domain.empty());
  EXPECT_EQ(associated_domain(s.applets[0]), isd_aid());
}

}  // namespace
}  // namespace sesame::card

namespace sesame::card {
namespace {

TEST(GpSsdAdminTest, TheSdModuleNeedsTheSdPrivilege) {
  testing::Harness h;
  // CardService::install_applet (sesame applet install) gives no privileges: no SSD that way.
  EXPECT_THROW(h.service->install_applet(h.seid, kSsdModule, from_hex("A000000151535001"), {}), Error);
  EXPECT_EQ(h.service->info(h.seid).applets.size(), 1u);
}

}  // namespace
}  // namespace sesame::card
