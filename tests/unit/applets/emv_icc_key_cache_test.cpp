// The payment applet decodes its ICC private key once and reuses it (payment_applet.cpp,
// IccKeyCache): every later CDA signature must still be the right one, over this transaction's
// cryptogram and data, with the ATC made durable before it.
#include <gtest/gtest.h>

#include "crypto/emv_certificates.h"
#include "crypto/hash.h"
#include "emv_payment_fixture.h"

namespace sesame::applets::emv::testing {
namespace {

class EmvIccKeyCache : public ::testing::Test, public PaymentFixture {};

TEST_F(EmvIccKeyCache, EveryCdaSignatureAfterTheFirstIsStillCorrect) {
  const char* uns[] = {"CAFEBABE", "00000001", "DEADBEEF", "12345678"};
  for (std::uint16_t i = 0; i < 4; ++i) {
    select_payment();
    ASSERT_EQ(sw(kGpo), 0x9000);
    const std::uint16_t atc = this->atc();
    EXPECT_EQ(atc, i + 1) << "the ATC is stored before GENERATE AC";
    const auto d = cdol1(100 + i, uns[i]);
    const auto r = first_ac("50", d);
    // A TC while the offline limits allow, then an ARQC: both carry a CDA signature.
    ASSERT_TRUE(r.cid == 0x40 || r.cid == 0x80) << int(r.cid);
    ASSERT_FALSE(r.sdad.empty());
    const auto dd = crypto::emv::parse_cda_dynamic_data(
        crypto::emv::recover_dynamic_data(test_keys().icc.public_key(), r.sdad, from_hex(uns[i])));
    EXPECT_EQ(dd.cid, r.cid);
    EXPECT_EQ(to_hex(dd.cryptogram), to_hex(expected_ac(atc, from_hex(d), r.iad)));
    EXPECT_EQ(to_hex(dd.transaction_data_hash),
              to_hex(crypto::sha1(concat({from_hex("0250097822"), from_hex(d), r.tlvs_without_sdad}))));
    // A signature is not replayable into another transaction: the next UN does not recover it.
    EXPECT_THROW(crypto::emv::recover_dynamic_data(test_keys().icc.public_key(), r.sdad, from_hex(uns[(i + 1) % 4])), Error);
  }
}

}  // namespace
}  // namespace sesame::applets::emv::testing
