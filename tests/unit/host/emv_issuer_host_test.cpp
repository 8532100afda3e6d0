// The issuer host: ARQC verification and ARPC methods 1 and 2 (host/emv/issuer_host.h). The
// primitives are tested against published vectors in tests/unit/crypto/emv_keys_test.cpp; here the
// layout of the request and of the issuer authentication data.
#include "host/emv/issuer_host.h"

#include <gtest/gtest.h>

#include "../common/expect_errc.h"
#include "crypto/emv_keys.h"
#include "util/hex.h"

namespace sesame::host::emv {
namespace {

const Bytes kImk = from_hex("0123456789ABCDEFFEDCBA9876543210");

AuthorisationRequest genuine_request() {
  AuthorisationRequest r;
  r.pan = "5413330089010608";
  r.psn = "01";
  r.atc = 0x0007;
  r.cdol1_data = from_hex("000000002000000000000000025000000000000978261207001122334422");
  r.aip = from_hex("0D80");
  r.iad = from_hex("0110A00000000000");
  r.amount = 2000;
  const auto mk = crypto::emv::derive_icc_master_key_a(kImk, r.pan, r.psn);
  const auto sk = crypto::emv::derive_common_session_key(mk.view(), crypto::emv::ac_diversifier(r.atc));
  r.arqc = crypto::emv::application_cryptogram(
      sk.view(), crypto::emv::cryptogram_input(r.cdol1_data, r.aip, r.atc, ByteView(r.iad).subspan(2)));
  return r;
}

SecureBytes sk_of(const AuthorisationRequest& r) {
  const auto mk = crypto::emv::derive_icc_master_key_a(kImk, r.pan, r.psn);
  return crypto::emv::derive_common_session_key(mk.view(), crypto::emv::ac_diversifier(r.atc));
}

TEST(EmvIssuerHost, VerifiesTheArqcAndNothingElse) {
  const IssuerHost host(SecureBytes(kImk), 1);
  const auto good = genuine_request();
  EXPECT_TRUE(host.verify_arqc(good));
  auto r = good;
  r.cdol1_data[5] ^= 0x01;  // the amount
  EXPECT_FALSE(host.verify_arqc(r));
  r = good;
  r.atc++;
  EXPECT_FALSE(host.verify_arqc(r));
  r = good;
  r.iad[2] ^= 0x80;  // the CVR
  EXPECT_FALSE(host.verify_arqc(r));
  r = good;
  r.iad[1] = 0x11;  // unknown CVN
  EXPECT_FALSE(host.verify_arqc(r));
  r = good;
  r.psn = "02";
  EXPECT_FALSE(host.verify_arqc(r));
  r = good;
  r.arqc.pop_back();
  EXPECT_FALSE(host.verify_arqc(r));
  EXPECT_FALSE(IssuerHost(SecureBytes(from_hex("00112233445566778899AABBCCDDEEFF")), 1).verify_arqc(good));
}

TEST(EmvIssuerHost, ArpcMethod1) {
  const IssuerHost host(SecureBytes(kImk), 1, 5000);
  const auto req = genuine_request();
  const auto a = host.authorise(req);
  EXPECT_TRUE(a.arqc_valid);
  EXPECT_TRUE(a.approved);
  EXPECT_EQ(to_hex(a.arc), "3030");
  EXPECT_EQ(to_hex(a.issuer_authentication_data),
            to_hex(crypto::emv::arpc_method1(sk_of(req).view(), req.arqc, a.arc)) + "3030");
  auto big = req;
  big.amount = 6000;  // above the approval limit: declined, with an ARPC over "05"
  const auto d = host.authorise(big);
  EXPECT_TRUE(d.arqc_valid);
  EXPECT_FALSE(d.approved);
  EXPECT_EQ(to_hex(d.arc), "3035");
  EXPECT_EQ(to_hex(d.issuer_authentication_data),
            to_hex(crypto::emv::arpc_method1(sk_of(req).view(), req.arqc, d.arc)) + "3035");
}

TEST(EmvIssuerHost, ArpcMethod2) {
  const IssuerHost host(SecureBytes(kImk), 2);
  const auto req = genuine_request();
  const auto a = host.authorise(req);
  ASSERT_EQ(a.issuer_authentication_data.size(), 10u);
  EXPECT_EQ(to_hex(a.issuer_authentication_data).substr(8),
            "80800000" "3030");  // CSU: proprietary data included, issuer approves; PAD = ARC
  EXPECT_EQ(to_hex(a.issuer_authentication_data).substr(0, 8),
            to_hex(crypto::emv::arpc_method2(sk_of(req).view(), req.arqc, from_hex("80800000"), from_hex("3030"))));
  auto forged = req;
  forged.arqc[0] ^= 1;
  const auto d = host.authorise(forged);
  EXPECT_FALSE(d.arqc_valid);
  EXPECT_FALSE(d.approved);
  EXPECT_EQ(to_hex(d.issuer_authentication_data).substr(8), "80000000" "3035");
}

TEST(EmvIssuerHost, RefusesBadConfiguration) {
  test::expect_errc(Errc::invalid_argument, [] { IssuerHost(SecureBytes(Bytes(8)), 1); });
  test::expect_errc(Errc::invalid_argument, [] { IssuerHost(SecureBytes(kImk), 3); });
}

}  // namespace
}  // namespace sesame::host::emv
