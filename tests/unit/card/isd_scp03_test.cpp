// The ISD's SCP03 secure channel (GP Card Specification 2.3 §10-11, Amendment D §7): INITIALIZE
// UPDATE, EXTERNAL AUTHENTICATE, protected commands at every security level in S8 and S16 mode,
// key information and sequence counter (GET DATA 00E0 / 00C1), and the failure cases with their
// status words: the session is closed and nothing is applied. The terminal side here is
// iso7816::scp03 (gp_session.h); the protocol math itself is checked against published
// transcripts in tests/unit/iso7816/scp03_test.cpp.
#include <gtest/gtest.h>

#include <cstdio>

#include "card/card_state.h"
#include "card/isd.h"
#include "card/key_set.h"
#include "gp_session.h"
#include "iso7816/gp_key_data.h"
#include "test_harness.h"

namespace sesame::card {
namespace {

using iso7816::scp03::Mode;
using testing::GpSession;
using testing::Harness;

constexpr const char* kIsdEntry = "E31D4F08A0000001510000009F70010FC5039E0000CC08A000000151000000";

class IsdScp03Test : public ::testing::Test {
 protected:
  Harness h;
  GpSession gp{h};
};

TEST_F(IsdScp03Test, EverySecurityLevelInS8AndS16) {
  for (Mode mode : {Mode::s8, Mode::s16}) {
    for (std::uint8_t sl : {0x01, 0x03, 0x11, 0x13, 0x31, 0x33}) {
      GpSession s(h);
      s.open(sl, mode);
      EXPECT_EQ(s.data("80F28002024F0000"), kIsdEntry) << int(sl);
      EXPECT_EQ(s.data("80CA9F7F00"), "9F7F2A" + to_hex(cplc(h.seid))) << int(sl);
      EXPECT_EQ(s.sw("80CA00FF00"), 0x6A88) << "errors pass unprotected; the session goes on";
      EXPECT_EQ(s.data("80F28002024F0000"), kIsdEntry) << int(sl);
    }
  }
}

TEST_F(IsdScp03Test, InitializeUpdateResponse) {
  auto r = gp.initialize_update(0x30, Mode::s8);
  ASSERT_EQ(r.sw, 0x9000);
  ASSERT_EQ(r.data.size(), 32u);
  EXPECT_EQ(to_hex(ByteView(r.data).subspan(10, 3)), "300370") << "KVN, SCP03, i=70";
  EXPECT_EQ(to_hex(ByteView(r.data).last(3)), "000001");
  EXPECT_TRUE(gp.card_cryptogram_ok());
  // Amendment D §6.2.2.1: the pseudo-random card challenge from the sequence counter and the ISD AID.
  EXPECT_EQ(gp.card_challenge(), iso7816::scp03::pseudo_random_card_challenge(gp_test_keys().enc.view(), Mode::s8, 1, isd_aid()));
  r = gp.initialize_update(0x00, Mode::s16);  // KVN 00: the first key set
  ASSERT_EQ(r.sw, 0x9000);
  ASSERT_EQ(r.data.size(), 48u);
  EXPECT_EQ(to_hex(ByteView(r.data).subspan(10, 3)), "300371") << "S16";
  EXPECT_EQ(to_hex(ByteView(r.data).last(3)), "000002");
  EXPECT_TRUE(gp.card_cryptogram_ok());
}

TEST_F(IsdScp03Test, SequenceCounterIsDurableBeforeTheAnswer) {
  ASSERT_EQ(gp.initialize_update().sw, 0x9000);
  EXPECT_EQ(h.stored(isd_aid(), "scp03/seq/30"), "000001");
  h.faults->fail_commit_after = 0;  // the counter's put_now fails: no challenge may leave the card
  EXPECT_EQ(gp.initialize_update().sw, 0x6581);
  EXPECT_EQ(h.stored(isd_aid(), "scp03/seq/30"), "000001");
  h.reload();
  auto r = gp.initialize_update();
  ASSERT_EQ(r.sw, 0x9000);
  EXPECT_EQ(to_hex(ByteView(r.data).last(3)), "000002") << "never reused after a restart";
  EXPECT_EQ(h.data("80CA00C100"), "C103000002");
}

TEST_F(IsdScp03Test, KeyInformationTemplate) {
  // GP §11.3.3.1: 'C0' {KID, KVN, key type 88 (AES), key length} for K-ENC, K-MAC, K-DEK.
  EXPECT_EQ(h.data("80CA00E000"), "E012C0040130881" "0C0040230881" "0C004033088" "10");
  EXPECT_EQ(h.data("80CA00C100"), "C103000000");
}

TEST_F(IsdScp03Test, UnknownKeyVersion) {
  EXPECT_EQ(gp.initialize_update(0x31).sw, 0x6A88);
  EXPECT_EQ(h.sw("8050300007" "00010203040506" "00"), 0x6700) << "host challenge of 7 bytes";
  EXPECT_EQ(h.sw("8050300108" "0001020304050607" "00"), 0x6A86) << "P2";
}

TEST_F(IsdScp03Test, WrongHostCryptogramCloses) {
  ASSERT_EQ(gp.initialize_update().sw, 0x9000);
  EXPECT_EQ(gp.external_authenticate(0x01, /*corrupt_cryptogram=*/true), 0x6300);
  EXPECT_EQ(gp.external_authenticate(0x01), 0x6985) << "the initiation is gone: no second try";
  EXPECT_EQ(h.sw("80F28002024F0000"), 0x6982);
}

TEST_F(IsdScp03Test, WrongKeysFailTheCardCryptogramAndTheMac) {
  iso7816::scp03::StaticKeys other = gp_test_keys();
  other.mac.data()[0] ^= 0x01;
  GpSession bad(h, std::move(other));
  ASSERT_EQ(bad.initialize_update().sw, 0x9000);
  EXPECT_FALSE(bad.card_cryptogram_ok());
  EXPECT_EQ(bad.external_authenticate(0x01), 0x6982) << "C-MAC under the wrong S-MAC";
  EXPECT_EQ(h.sw("80F28002024F0000"), 0x6982);
}

TEST_F(IsdScp03Test, ExternalAuthenticateWithoutInitializeUpdate) {
  EXPECT_EQ(h.sw("8482010010" "00000000000000000000000000000000"), 0x6985);
  ASSERT_EQ(gp.initialize_update().sw, 0x9000);
  EXPECT_EQ(h.data("80CA9F7F00").size(), 90u);  // another command abandons the initiation
  EXPECT_EQ(gp.external_authenticate(0x01), 0x6985);
}

TEST_F(IsdScp03Test, InvalidSecurityLevel) {
  ASSERT_EQ(gp.initialize_update().sw, 0x9000);
  EXPECT_EQ(gp.external_authenticate(0x02), 0x6A86) << "C-DECRYPTION without C-MAC";
  EXPECT_EQ(gp.external_authenticate(0x01), 0x6985);
}

TEST_F(IsdScp03Test, WrongCMacClosesTheSession) {
  gp.open(0x01);
  Bytes bad = from_hex("84F280020A4F00");
  append(bad, Bytes(8, 0x00));
  bad.push_back(0x00);
  EXPECT_EQ(h.sw(to_hex(bad)), 0x6982);
  EXPECT_EQ(gp.sw("80F28002024F0000"), 0x6982) << "closed: even a correctly chained command is refused";
}

TEST_F(IsdScp03Test, ReplayIsRefusedAndCloses) {
  gp.open(0x03);
  EXPECT_EQ(gp.data("80F28002024F0000"), kIsdEntry);
  const Bytes replay = gp.last_wrapped();
  EXPECT_EQ(h.sw(to_hex(replay)), 0x6982);
  EXPECT_EQ(gp.sw("80F28002024F0000"), 0x6982);
}

TEST_F(IsdScp03Test, PlainCommandInsideTheSessionCloses) {
  gp.open(0x01);
  EXPECT_EQ(h.sw("80CA9F7F00"), 0x6982) << "the level demands C-MAC on every command";
  EXPECT_EQ(gp.sw("80F28002024F0000"), 0x6982);
}

TEST_F(IsdScp03Test, TheSessionBelongsToItsLogicalChannel) {
  EXPECT_EQ(h.data("0070000001"), "01");
  gp.open(0x01, Mode::s8, /*channel=*/1);
  EXPECT_EQ(gp.data("80F28002024F0000"), kIsdEntry);
  EXPECT_EQ(h.sw("80F28002024F0000"), 0x6982) << "channel 0 has no session";
  EXPECT_EQ(gp.data("80F28002024F0000"), kIsdEntry) << "channel 1 still has its own";
  EXPECT_EQ(h.sw("01A4040008A000000151000000"), 0x9000);  // re-selecting the ISD ends the session
  EXPECT_EQ(gp.sw("80F28002024F0000"), 0x6982);
}

TEST_F(IsdScp03Test, ResetEndsTheSession) {
  gp.open(0x01);
  h.service->reset(h.seid, true);
  EXPECT_EQ(gp.sw("80F28002024F0000"), 0x6982);
}

TEST_F(IsdScp03Test, KeySetsAreSealedRecordsOfTheIsd) {
  // The default key set exists from creation, under the ISD's namespace; the store seals it.
  const std::string test_key = "404142434445464748494A4B4C4D4E4F";
  EXPECT_EQ(h.stored(isd_aid(), "scp03/keys/30"), test_key + test_key + test_key);
}

// PUT KEY (GP §11.8): P1 00 adds a key set, P1 = KVN replaces one; P2 81 = keys 01-03.
std::string put_key_apdu(std::uint8_t p1, std::uint8_t new_kvn, const iso7816::scp03::StaticKeys& keys) {
  const Bytes data = iso7816::gp::encode_put_key_data(new_kvn, keys, gp_test_keys().dek.view());
  iso7816::CommandApdu c{0x80, 0xD8, p1, 0x81, data, 256, false};
  return to_hex(c.encode());
}

iso7816::scp03::StaticKeys aes256_keys() {
  return {SecureBytes(Bytes(32, 0x11)), SecureBytes(Bytes(32, 0x22)), SecureBytes(Bytes(32, 0x33))};
}

TEST_F(IsdScp03Test, PutKeyAddsAKeySet) {
  gp.open(0x03);  // the new keys travel DEK-encrypted, and the command data is C-DECRYPTED too
  const auto keys = aes256_keys();
  const std::string kcv = to_hex(iso7816::gp::key_check_value(Bytes(32, 0x11))) + to_hex(iso7816::gp::key_check_value(Bytes(32, 0x22))) +
                          to_hex(iso7816::gp::key_check_value(Bytes(32, 0x33)));
  EXPECT_EQ(gp.data(put_key_apdu(0x00, 0x31, keys)), "31" + kcv);
  EXPECT_EQ(gp.data("80CA00E000"), "E024" "C004013088" "10C004023088" "10C004033088" "10"
                                   "C004013188" "20C004023188" "20C004033188" "20");
  GpSession with_new(h, aes256_keys());
  ASSERT_EQ(with_new.initialize_update(0x31).sw, 0x9000);
  EXPECT_TRUE(with_new.card_cryptogram_ok());
  ASSERT_EQ(with_new.external_authenticate(0x33), 0x9000);
  EXPECT_EQ(with_new.data("80F28002024F0000"), kIsdEntry);
  h.reload();  // durable
  GpSession again(h, aes256_keys());
  again.open(0x01, Mode::s16, 0, 0x31);
  GpSession old(h);
  old.open(0x01);
}

TEST_F(IsdScp03Test, PutKeyReplacesAKeySetAndKeepsItsCounter) {
  ASSERT_EQ(gp.initialize_update().sw, 0x9000);  // counter of set 30: 1
  ASSERT_EQ(gp.external_authenticate(0x01), 0x9000);
  EXPECT_EQ(gp.tx(put_key_apdu(0x30, 0x32, aes256_keys())).sw, 0x9000);
  EXPECT_EQ(GpSession(h).initialize_update(0x30).sw, 0x6A88) << "set 30 is gone";
  GpSession with_new(h, aes256_keys());
  auto r = with_new.initialize_update(0x32);
  ASSERT_EQ(r.sw, 0x9000);
  EXPECT_TRUE(with_new.card_cryptogram_ok());
  EXPECT_EQ(to_hex(ByteView(r.data).last(3)), "000002") << "the sequence counter carries over";
}

TEST_F(IsdScp03Test, PutKeyRefusalsApplyNothing) {
  gp.open(0x01);
  const auto keys = aes256_keys();
  std::string apdu = put_key_apdu(0x00, 0x31, keys);
  std::string bad_kcv = apdu;
  bad_kcv[bad_kcv.size() - 3] = bad_kcv[bad_kcv.size() - 3] == '0' ? '1' : '0';  // last KCV byte (before Le)
  EXPECT_EQ(gp.sw(bad_kcv), 0x9485);
  EXPECT_EQ(gp.sw(put_key_apdu(0x33, 0x31, keys)), 0x6A88) << "replace a set that does not exist";
  EXPECT_EQ(gp.sw(put_key_apdu(0x00, 0x30, keys)), 0x6A80) << "add a set that exists";
  EXPECT_EQ(gp.sw(put_key_apdu(0x00, 0x00, keys)), 0x6A80) << "KVN 00";
  std::string single = apdu;
  single[6] = '0';  // P2 01: one key
  EXPECT_EQ(gp.sw(single), 0x6A86);
  EXPECT_EQ(gp.data("80CA00E000").size(), 2u * 20u) << "still only key set 30";
  h.faults->fail_commit_after = 0;
  EXPECT_EQ(gp.sw(apdu), 0x6581) << "the commit fails";
  EXPECT_EQ(GpSession(h, aes256_keys()).initialize_update(0x31).sw, 0x6A88) << "nothing applied";
}

}  // namespace
}  // namespace sesame::card

namespace sesame::card {
namespace {

// SET STATUS (GP §11.10) through the secure channel.
TEST_F(IsdScp03Test, SetStatusLocksAndUnlocksAnApplication) {
  h.install_test_applets();
  gp.open(0x01);
  const std::string aid = to_hex(testing::kTxAid1);
  EXPECT_EQ(gp.sw("80F040800" "7" + aid), 0x9000) << "lock";
  EXPECT_EQ(h.service->info(h.seid).applets[1].life_cycle, 0x87);
  EXPECT_EQ(h.sw("00A4040007" + aid), 0x6A82) << "a LOCKED application is not selectable";
  EXPECT_EQ(gp.data("80CA9F7F00").size(), 90u) << "the failed SELECT left the ISD and its session alone";
  EXPECT_EQ(gp.sw("80F0401F07" + aid), 0x6985) << "no state change while locked";
  EXPECT_EQ(gp.sw("80F0400007" + aid), 0x9000) << "unlock";
  EXPECT_EQ(gp.sw("80F0400007" + aid), 0x6985) << "not locked";
  EXPECT_EQ(gp.sw("80F0401F07" + aid), 0x9000) << "application-specific state 1F";
  EXPECT_EQ(h.service->info(h.seid).applets[1].life_cycle, 0x1F);
  EXPECT_EQ(gp.sw("80F0400307" + aid), 0x6A80) << "back to INSTALLED is not a state the ISD sets";
  EXPECT_EQ(gp.sw("80F0408007A0000009999999"), 0x6A88);
  EXPECT_EQ(gp.sw("80F0208000"), 0x6A86);
  h.reload();
  EXPECT_EQ(h.service->info(h.seid).applets[1].life_cycle, 0x1F) << "durable";
}

TEST_F(IsdScp03Test, SetStatusLocksTheCard) {
  h.install_test_applets();
  gp.open(0x01);
  EXPECT_EQ(gp.sw("80F0807F00"), 0x9000);
  EXPECT_EQ(h.service->info(h.seid).life_cycle, CardLifeCycle::card_locked);
  EXPECT_EQ(gp.data("80F28002024F0000").substr(0, 30), "E31D4F08A0000001510000009F7001") << "the ISD session goes on";
  EXPECT_EQ(gp.sw("80F0800700"), 0x6985) << "CARD_LOCKED -> INITIALIZED is not allowed";
  EXPECT_EQ(gp.sw("80F0800F00"), 0x9000) << "unlock";
  EXPECT_EQ(h.service->info(h.seid).life_cycle, CardLifeCycle::secured);
  EXPECT_EQ(gp.sw("80F0801000"), 0x6A86);
}

TEST_F(IsdScp03Test, SetStatusNeedsTheChannel) {
  h.install_test_applets();
  EXPECT_EQ(h.sw("80F0807F00"), 0x6982);
  EXPECT_EQ(h.service->info(h.seid).life_cycle, CardLifeCycle::secured);
}

TEST_F(IsdScp03Test, SetStatusWriteFailureIsAMemoryFailure) {
  h.install_test_applets();
  gp.open(0x01);
  h.faults->fail_commit_after = 0;
  EXPECT_EQ(gp.sw("80F0807F00"), 0x6581);
  h.reload();
  EXPECT_EQ(h.service->info(h.seid).life_cycle, CardLifeCycle::secured) << "nothing applied";
}

}  // namespace
}  // namespace sesame::card

namespace sesame::card {
namespace {

// INSTALL [for install and make selectable] (GP §11.5) of the test module A00000099901 /
// A0000009990100 as `aid`, with install parameters 'C9' {}.
std::string install_apdu(const std::string& aid, const std::string& privileges = "00", const std::string& token = "") {
  auto lv = [](const std::string& hex) {
    char b[3];
    std::snprintf(b, sizeof b, "%02X", static_cast<unsigned>(hex.size() / 2));
    return std::string(b) + hex;
  };
  const std::string data = lv("A00000099901") + lv("A0000009990100") + lv(aid) + lv(privileges) + lv("C900") + lv(token);
  char lc[3];
  std::snprintf(lc, sizeof lc, "%02X", static_cast<unsigned>(data.size() / 2));
  return "80E60C00" + std::string(lc) + data + "00";
}

TEST_F(IsdScp03Test, InstallAndDeleteAnApplication) {
  gp.open(0x03);
  EXPECT_EQ(gp.data(install_apdu("A0000009990199")), "00");
  EXPECT_EQ(h.service->info(h.seid).applets.back().module, "test.tx");
  EXPECT_EQ(gp.data("80F24000094F07A000000999019900"), "07A00000099901990700");
  EXPECT_EQ(gp.sw(install_apdu("A0000009990199")), 0x6985) << "AID in use";
  EXPECT_EQ(h.sw("01A4040007A0000009990199"), 0x9000) << "SELECTABLE (the SELECT opens channel 1)";
  h.reload();
  GpSession s(h);
  s.open(0x01);
  EXPECT_EQ(s.data("80E40000094F07A0000009990199"), "00");
  EXPECT_EQ(s.sw("80E40000094F07A0000009990199"), 0x6A88) << "already deleted";
  EXPECT_EQ(h.service->info(h.seid).applets.size(), 1u);
  EXPECT_EQ(s.sw("80E400000A4F08A000000151000000"), 0x6985) << "the ISD cannot be deleted";
  EXPECT_EQ(s.sw("80E4000003C10100"), 0x6A80);
  EXPECT_EQ(s.sw("80E4010000"), 0x6A86);
}

TEST_F(IsdScp03Test, InstallRefusals) {
  gp.open(0x01);
  EXPECT_EQ(gp.sw(install_apdu("A0000009990199", "80")), 0x6A80) << "security domain privilege";
  EXPECT_EQ(gp.sw(install_apdu("A0000009990199", "00", "0102")), 0x6A80) << "a token (delegated management)";
  std::string other = install_apdu("A0000009990199");
  other.replace(12, 12, "A00000099999");  // a load file the card does not have
  EXPECT_EQ(gp.sw(other), 0x6A88);
  std::string p1 = install_apdu("A0000009990199");
  p1[5] = '4';  // P1 04: for install only
  EXPECT_EQ(gp.sw(p1), 0x6A86);
  EXPECT_EQ(gp.sw("80E60C000401020304"), 0x6A80) << "malformed";
  EXPECT_EQ(h.service->info(h.seid).applets.size(), 1u) << "nothing installed";
  h.faults->fail_commit_after = 0;
  EXPECT_EQ(gp.sw(install_apdu("A0000009990199")), 0x6581);
  h.reload();
  EXPECT_EQ(h.service->info(h.seid).applets.size(), 1u) << "a failed commit installs nothing";
}

}  // namespace
}  // namespace sesame::card

namespace sesame::card {
namespace {

TEST_F(IsdScp03Test, ExhaustedSequenceCounterRefusesNewSessions) {
  h.service->power_off(h.seid);
  h.reload();  // nothing loaded while the record is written behind the card's back
  h.store->open_card(h.seid)->commit({store::Change{aid_key_prefix(isd_aid()) + "scp03/seq/30", SecureBytes{0xFF, 0xFF, 0xFE}}});
  h.reload();
  auto r = gp.initialize_update();
  ASSERT_EQ(r.sw, 0x9000);
  EXPECT_EQ(to_hex(ByteView(r.data).last(3)), "FFFFFF");
  EXPECT_EQ(gp.initialize_update().sw, 0x6985) << "a counter that would wrap gives no challenge";
  EXPECT_EQ(h.stored(isd_aid(), "scp03/seq/30"), "FFFFFF");
}

}  // namespace
}  // namespace sesame::card
