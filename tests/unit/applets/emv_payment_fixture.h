// A card with the PPSE and the payment applet installed from the test profile, and helpers that
// speak the payment applet's commands in hex.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "../card/card_fixture.h"
#include "applets/builtin.h"
#include "applets/emv/emv_applets.h"
#include "crypto/emv_keys.h"
#include "emv_test_profile.h"
#include "iso7816/emv_card_data.h"
#include "util/hex.h"
#include "util/tlv.h"

namespace sesame::applets::emv::testing {

constexpr const char* kSelectPayment = "00A4040007A000000004101000";
constexpr const char* kGpo = "80A80000078305025009782200";  // PDOL: country 0250, currency 0978, type 22

// CDOL1 data: amount, other amount, country, TVR, currency, date, type, UN, terminal type.
inline std::string cdol1(std::uint64_t amount, const std::string& un = "11223344", const std::string& currency = "0978",
                         const std::string& terminal_type = "22") {
  std::string a = std::to_string(amount);
  a.insert(0, 12 - a.size(), '0');
  return a + "000000000000" + "0250" + "0000000000" + currency + "261207" + "00" + un + terminal_type;
}
inline std::string gen_ac(const std::string& p1, const std::string& data) {
  char lc[3];
  std::snprintf(lc, sizeof lc, "%02X", static_cast<unsigned>(data.size() / 2));
  return "80AE" + p1 + "00" + lc + data + "00";
}

struct AcResponse {
  std::uint8_t cid = 0;
  std::uint16_t atc = 0;
  Bytes ac, sdad, iad;
  Bytes tlvs_without_sdad;  // for the CDA transaction data hash
};

inline AcResponse parse_ac(ByteView data) {
  AcResponse r;
  const Tlv t = parse_one(data);
  EXPECT_EQ(t.tag(), 0x77u);
  for (const auto& c : t.children()) {
    if (c.tag() == 0x9F4B) {
      r.sdad = c.value();
      continue;
    }
    c.encode_to(r.tlvs_without_sdad);
    if (c.tag() == 0x9F27) r.cid = c.value()[0];
    if (c.tag() == 0x9F36) r.atc = get_u16(c.value());
    if (c.tag() == 0x9F26) r.ac = c.value();
    if (c.tag() == 0x9F10) r.iad = c.value();
  }
  return r;
}

// The cryptogram the card should have produced, computed from the issuer master key.
inline Bytes expected_ac(std::uint16_t atc, const Bytes& cdol_data, const Bytes& iad) {
  const auto card = test_card();
  const auto mk = crypto::emv::derive_icc_master_key_a(from_hex(kImkHex), card.pan, card.psn);
  const auto sk = crypto::emv::derive_common_session_key(mk.view(), crypto::emv::ac_diversifier(atc));
  return crypto::emv::application_cryptogram(
      sk.view(), crypto::emv::cryptogram_input(cdol_data, iso7816::emv::kAip, atc, ByteView(iad).subspan(2, 6)));
}
inline SecureBytes session_key(std::uint16_t atc) {
  const auto card = test_card();
  const auto mk = crypto::emv::derive_icc_master_key_a(from_hex(kImkHex), card.pan, card.psn);
  return crypto::emv::derive_common_session_key(mk.view(), crypto::emv::ac_diversifier(atc));
}

class PaymentFixture : public card::testing::CardFixture {
 public:
  explicit PaymentFixture(const std::string& profile = test_profile())
      : CardFixture(builtin_registry(), "emv", "") {
    service->install_applet(seid, kPpseModule, kPpseAid, {});
    service->install_applet(seid, kPaymentModule, kMastercardAid, as_bytes(profile));
  }
  void select_payment() { ASSERT_EQ(sw(kSelectPayment), 0x9000); }
  AcResponse first_ac(const std::string& p1, const std::string& data) {
    auto r = tx(gen_ac(p1, data));
    EXPECT_EQ(r.sw, 0x9000);
    return r.sw == 0x9000 ? parse_ac(r.data) : AcResponse{};
  }
  std::uint16_t atc() { return get_u16(from_hex(data("80CA9F3600")), 3); }
};

}  // namespace sesame::applets::emv::testing
