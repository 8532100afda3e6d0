// AES secure messaging (ICAO 9303-11 §9.8). Published vectors: BSI "Worked Example for Extended
// Access Control (EAC)" v1.01, the secure messaging examples after PACE (KSenc/KSmac of its PACE
// run): encryption at SSC 1 and authentication at SSC 2. ICAO 9303-11 Appendix D.4 only has 3DES
// examples and no published AES command/response pair was found, so the APDU-level framing is
// checked against itself here and against OpenPACE in tests/unit/host/eid_openpace_test.cpp.
#include "iso7816/secure_messaging.h"

#include <gtest/gtest.h>

#include "../crypto/hex_expect.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::iso7816 {
namespace {

// BSI Worked Example for EAC v1.01: PACE session keys.
const char* kKsEnc = "68406B4162100563D9C901A6154D2901";
const char* kKsMac = "73FF268784F72AF833FDC9464049AFC9";

SecureMessaging session() {
  return SecureMessaging(SecureBytes(from_hex(kKsEnc)), SecureBytes(from_hex(kKsMac)));
}

Bytes ssc(std::uint8_t last) {
  Bytes s(16, 0);
  s[15] = last;
  return s;
}

TEST(SecureMessagingBsiWorkedExample, EncryptionAtSsc1) {
  // Worked Example: the data of the first protected command (DO'83' CAR "DECVCAAT00001").
  SecureMessaging sm = session();
  sm.set_ssc(ssc(1));
  const Bytes data = from_hex("830D44454356434141543030303031");
  const Bytes enc = sm.encrypt(data);
  EXPECT_HEX(enc, "BE90237EEB4BA0FF253EA246AE31C8B8");
  EXPECT_HEX(sm.decrypt(enc), to_hex(data));
}

TEST(SecureMessagingBsiWorkedExample, AuthenticationAtSsc2) {
  // Worked Example: the MAC of the first protected response (DO'99' 9000) at SSC 2.
  SecureMessaging sm = session();
  sm.set_ssc(ssc(2));
  EXPECT_HEX(sm.mac(from_hex("99029000")), "A89570A68664A7D6");
}

TEST(SecureMessaging, CommandAndResponseRoundTrip) {
  SecureMessaging terminal = session(), card = session();
  const CommandApdu plain{0x00, 0xB0, 0x8E, 0x00, {}, 0xDF, false};
  const CommandApdu wrapped = terminal.wrap_command(plain);
  EXPECT_EQ(wrapped.cla, 0x0C);
  EXPECT_EQ(wrapped.ne, 256u);
  EXPECT_EQ(wrapped.data[0], 0x97);  // no data: DO'97' then DO'8E'
  const CommandApdu opened = card.unwrap_command(CommandApdu::parse(wrapped.encode()));
  EXPECT_EQ(opened.encode(), plain.encode());

  const ResponseApdu answer{from_hex("6E8201234567"), 0x9000};
  const ResponseApdu protected_answer = card.wrap_response(answer);
  EXPECT_EQ(protected_answer.data[0], 0x87);
  const ResponseApdu back = terminal.unwrap_response(ResponseApdu::parse(protected_answer.encode()));
  EXPECT_EQ(back.data, answer.data);
  EXPECT_EQ(back.sw, 0x9000);
  EXPECT_EQ(terminal.ssc(), ssc(2));
  EXPECT_EQ(card.ssc(), ssc(2));
}

TEST(SecureMessaging, CommandWithDataAndExtendedLe) {
  SecureMessaging terminal = session(), card = session();
  CommandApdu plain{0x00, 0x86, 0x00, 0x00, Bytes(300, 0x5A), 65536, true};
  const CommandApdu opened = card.unwrap_command(CommandApdu::parse(terminal.wrap_command(plain).encode()));
  EXPECT_EQ(opened.data, plain.data);
  EXPECT_EQ(opened.ne, 65536u);
}

TEST(SecureMessaging, TamperedCommandIs6988) {
  SecureMessaging terminal = session(), card = session();
  Bytes raw = terminal.wrap_command({0x00, 0xA4, 0x02, 0x0C, {0x01, 0x1E}, 0, false}).encode();
  raw[8] ^= 0x01;  // a cryptogram byte
  try {
    card.unwrap_command(CommandApdu::parse(raw));
    FAIL() << "tampered command accepted";
  } catch (const SwError& e) {
    EXPECT_EQ(e.sw(), 0x6988);
  }
}

TEST(SecureMessaging, TamperedHeaderIs6988) {
  SecureMessaging terminal = session(), card = session();
  Bytes raw = terminal.wrap_command({0x00, 0xB0, 0x81, 0x00, {}, 0x20, false}).encode();
  raw[2] = 0x82;  // P1: another SFI; the MAC covers the header
  EXPECT_THROW(card.unwrap_command(CommandApdu::parse(raw)), SwError);
}

TEST(SecureMessaging, MissingMacIs6987) {
  SecureMessaging card = session();
  try {
    card.unwrap_command({0x0C, 0xB0, 0x81, 0x00, from_hex("970100"), 256, false});
    FAIL();
  } catch (const SwError& e) {
    EXPECT_EQ(e.sw(), 0x6987);
  }
}

TEST(SecureMessaging, ReplayedCommandIsRefused) {
  SecureMessaging terminal = session(), card = session();
  const Bytes raw = terminal.wrap_command({0x00, 0xB0, 0x81, 0x00, {}, 0x20, false}).encode();
  card.unwrap_command(CommandApdu::parse(raw));
  card.wrap_response({{}, 0x9000});
  EXPECT_THROW(card.unwrap_command(CommandApdu::parse(raw)), SwError);  // SSC moved on
}

TEST(SecureMessaging, TamperedOrPlainResponseIsCryptoError) {
  SecureMessaging terminal = session(), card = session();
  card.unwrap_command(terminal.wrap_command({0x00, 0xB0, 0x81, 0x00, {}, 0x20, false}));
  ResponseApdu r = card.wrap_response({from_hex("0102030405"), 0x9000});
  r.data[3] ^= 0x80;
  try {
    terminal.unwrap_response(r);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::crypto);
  }
  SecureMessaging t2 = session();
  t2.wrap_command({0x00, 0xB0, 0x81, 0x00, {}, 0x20, false});
  try {
    t2.unwrap_response({{}, 0x6988});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::crypto);
  }
}

TEST(SecureMessaging, RefusesBadKeysAndClasses) {
  EXPECT_THROW(SecureMessaging(SecureBytes(Bytes(15, 1)), SecureBytes(Bytes(15, 1))), Error);
  SecureMessaging sm = session();
  EXPECT_THROW(sm.wrap_command({0x0C, 0xB0, 0, 0, {}, 1, false}), Error);
  EXPECT_THROW(sm.set_ssc(Bytes(8, 0)), Error);
}

}  // namespace
}  // namespace sesame::iso7816
