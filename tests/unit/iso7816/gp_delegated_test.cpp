// Delegated management formats (iso7816/gp_delegated.h): token message, confirmation data, receipt,
// PUT KEY data of the token and receipt keys. No published GP token or receipt vectors were found;
// the receipt below is cross-checked with the OpenSSL command line:
//   openssl mac -cipher AES-128-CBC -macopt hexkey:000102030405060708090A0B0C0D0E0F -in msg CMAC
// with msg = 0200050A0102030405060708090A06A0000009990108F0534553414D4509 (confirmation data for
// counter 5 and card unique data 01..0A, then LV load file AID, LV application AID).
#include "iso7816/gp_delegated.h"

#include <gtest/gtest.h>

#include "iso7816/gp_key_data.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::iso7816::gp {
namespace {

const Bytes kCud = from_hex("0102030405060708090A");

TEST(GpDelegatedTest, TokenMessageLayout) {
  // P1 P2 L data || next counter || card unique data
  EXPECT_EQ(to_hex(token_message(0x0C, 0x00, from_hex("AABBCC"), 0x0102, kCud)),
            "0C0003AABBCC01020102030405060708090A");
  EXPECT_THROW(token_message(0x0C, 0x00, Bytes(256, 0), 1, kCud), Error);
  EXPECT_THROW(token_message(0x0C, 0x00, {}, 1, from_hex("01")), Error);
}

TEST(GpDelegatedTest, ReceiptCrossCheckedWithOpenSsl) {
  const Bytes conf = confirmation_data(5, kCud);
  EXPECT_EQ(to_hex(conf), "0200050A0102030405060708090A");
  const Bytes r = receipt(from_hex("000102030405060708090A0B0C0D0E0F"), conf,
                          from_hex("06A0000009990108F0534553414D4509"));
  EXPECT_EQ(to_hex(r), "82C8AF789532932BA34CFBB6DA52C99A");
}

TEST(GpDelegatedTest, ConfirmationRoundTripAndRefusals) {
  const Bytes receipt_value(16, 0x11);
  const Bytes enc = encode_confirmation(receipt_value, 0x0203, kCud);
  EXPECT_EQ(to_hex(enc), "10" + to_hex(receipt_value) + "0E0202030A0102030405060708090A");
  const Confirmation c = parse_confirmation(enc);
  EXPECT_EQ(c.receipt, receipt_value);
  EXPECT_EQ(c.counter, 0x0203);
  EXPECT_EQ(c.card_unique_data, kCud);
  for (std::size_t n = 0; n < enc.size(); ++n)
    EXPECT_THROW(parse_confirmation(ByteView(enc).first(n)), Error) << n;
  Bytes trailing = enc;
  trailing.push_back(0);
  EXPECT_THROW(parse_confirmation(trailing), Error);
  EXPECT_THROW(parse_confirmation(from_hex("00")), Error) << "no receipt (a non-delegated answer)";
}

TEST(GpDelegatedTest, DelegationKeyData) {
  const Bytes point = from_hex("04" + std::string(128, 'A'));
  const Bytes token = encode_token_key_data(point);
  EXPECT_EQ(to_hex(token), "70B041" + to_hex(point) + "F0010000");
  const DelegationKey t = decode_delegation_key_data(token, {});
  EXPECT_EQ(t.version, kTokenKeyVersion);
  EXPECT_EQ(t.token_point, point);
  Bytes curve = token;
  curve[curve.size() - 2] = 0x01;
  EXPECT_THROW(decode_delegation_key_data(curve, {}), Error);
  EXPECT_THROW(encode_token_key_data(from_hex("0201")), Error);

  const Bytes dek(16, 0x40), key = from_hex("000102030405060708090A0B0C0D0E0F");
  const Bytes rk = encode_receipt_key_data(key, dek);
  EXPECT_EQ(rk.size(), 1u + 2u + 17u + 4u);
  EXPECT_EQ(rk[0], kReceiptKeyVersion);
  EXPECT_EQ(to_hex(ByteView(rk).last(3)), to_hex(key_check_value(key)));
  const DelegationKey r = decode_delegation_key_data(rk, dek);
  EXPECT_EQ(r.receipt.reveal(), key);
  Bytes bad = rk;
  bad.back() ^= 0x01;
  try {
    decode_delegation_key_data(bad, dek);
    ADD_FAILURE() << "a wrong key check value was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::crypto);
  }
  EXPECT_THROW(decode_delegation_key_data(from_hex("31"), dek), Error);
}

}  // namespace
}  // namespace sesame::iso7816::gp
