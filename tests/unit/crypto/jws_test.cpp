// Compact JWS with ES256/ES384 (RFC 7515, RFC 7518 §3.4).
#include "crypto/jws.h"

#include <gtest/gtest.h>

#include "../common/expect_errc.h"
#include "util/base64.h"

namespace sesame::crypto {
namespace {

using test::expect_errc;

// RFC 7515 Appendix A.3 ("Example JWS Using ECDSA P-256 SHA-256"): the published JWK (A.3.1)
// and the published compact serialisation (A.3.1 / A.3.2).
constexpr const char* kA3X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
constexpr const char* kA3Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
constexpr const char* kA3D = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
constexpr const char* kA3Jws =
    "eyJhbGciOiJFUzI1NiJ9"
    "."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
// The JWS Payload of RFC 7515 A.1 (used again by A.3), with its CR LF line breaks.
constexpr const char* kA3Payload = "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";

EcPublicKey a3_public_key() {
  return EcPublicKey::from_jwk_coordinates(Curve::p256, base64url_decode(kA3X), base64url_decode(kA3Y));
}

std::string b64(std::string_view s) { return base64url_encode(as_bytes(s)); }

// Replaces one part (0 header, 1 payload, 2 signature) of a compact JWS.
std::string with_part(const std::string& jws, int index, const std::string& replacement) {
  const auto d1 = jws.find('.');
  const auto d2 = jws.find('.', d1 + 1);
  std::string parts[3] = {jws.substr(0, d1), jws.substr(d1 + 1, d2 - d1 - 1), jws.substr(d2 + 1)};
  parts[index] = replacement;
  return parts[0] + "." + parts[1] + "." + parts[2];
}

}  // namespace

TEST(Jws, Rfc7515AppendixA3Verifies) {
  const JwsVerified v = jws_verify(kA3Jws, a3_public_key());
  EXPECT_EQ(v.alg, JwsAlg::es256);
  EXPECT_EQ(v.header_json, "{\"alg\":\"ES256\"}");
  EXPECT_EQ(std::string(v.payload.begin(), v.payload.end()), kA3Payload);

  // The published private key d belongs to the published public key.
  const auto d = base64url_decode(kA3D);
  EXPECT_EQ(EcPrivateKey::from_scalar(Curve::p256, SecureBytes(d)).public_key(), a3_public_key());
}

TEST(Jws, Rfc7515AppendixA3TamperingRefused) {
  const std::string jws = kA3Jws;
  const auto key = a3_public_key();
  // Payload changed ("joe" -> "jof").
  std::string payload = kA3Payload;
  payload[9] = 'f';
  expect_errc(Errc::crypto, [&] { jws_verify(with_part(jws, 1, b64(payload)), key); });
  // Signature bit flipped.
  Bytes sig = base64url_decode(jws.substr(jws.rfind('.') + 1));
  sig[10] ^= 0x01;
  expect_errc(Errc::crypto, [&] { jws_verify(with_part(jws, 2, base64url_encode(sig)), key); });
  // Another key on the same curve.
  expect_errc(Errc::crypto, [&] { jws_verify(jws, EcPrivateKey::generate(Curve::p256).public_key()); });
}

TEST(Jws, SignVerifyRoundTrip) {
  for (Curve c : {Curve::p256, Curve::p384}) {
    const auto key = EcPrivateKey::generate(c);
    const std::string alg(jws_alg_name(jws_alg_for(c)));
    const std::string header = "{\"alg\":\"" + alg + "\",\"kid\":\"k1\",\"typ\":\"JWT\"}";
    const std::string jws = jws_sign(header, as_bytes("{\"sub\":\"admin\"}"), key);
    const JwsVerified v = jws_verify(jws, key.public_key());
    EXPECT_EQ(v.header_json, header);
    EXPECT_EQ(std::string(v.payload.begin(), v.payload.end()), "{\"sub\":\"admin\"}");
    EXPECT_EQ(v.alg, jws_alg_for(c));
    EXPECT_EQ(jws_unverified_header(jws), header);
    // Raw R||S: 64 bytes for P-256, 96 for P-384.
    EXPECT_EQ(base64url_decode(jws.substr(jws.rfind('.') + 1)).size(), 2 * field_size(c));
  }
}

TEST(Jws, AlgorithmMustMatchKey) {
  const auto p256 = EcPrivateKey::generate(Curve::p256);
  const auto p384 = EcPrivateKey::generate(Curve::p384);
  expect_errc(Errc::invalid_argument, [&] { jws_sign("{\"alg\":\"ES384\"}", {}, p256); });
  expect_errc(Errc::invalid_argument, [&] { jws_sign("{\"typ\":\"JWT\"}", {}, p256); });
  expect_errc(Errc::invalid_argument, [&] { jws_sign("{\"alg\":\"ES256\"}", {}, EcPrivateKey::generate(Curve::p521)); });

  // A P-384 signature relabelled, or a P-256 JWS checked with a P-384 key.
  const std::string jws384 = jws_sign("{\"alg\":\"ES384\"}", as_bytes("x"), p384);
  expect_errc(Errc::crypto, [&] { jws_verify(with_part(jws384, 0, b64("{\"alg\":\"ES256\"}")), p384.public_key()); });
  expect_errc(Errc::crypto, [&] { jws_verify(kA3Jws, p384.public_key()); });
  // Keys on curves JWS does not use here.
  expect_errc(Errc::crypto,
              [&] { jws_verify(kA3Jws, EcPrivateKey::generate(Curve::brainpool_p256r1).public_key()); });
}

TEST(Jws, UnsecuredAndCriticalRefused) {
  const auto key = a3_public_key();
  const std::string payload = b64(kA3Payload);
  // RFC 7515 Appendix A.5: an Unsecured JWS.
  expect_errc(Errc::crypto, [&] { jws_verify("eyJhbGciOiJub25lIn0." + payload + ".", key); });
  // A valid A.3 signature cannot be reused under a header with "crit".
  const std::string jws = kA3Jws;
  expect_errc(Errc::crypto,
              [&] { jws_verify(with_part(jws, 0, b64("{\"alg\":\"ES256\",\"crit\":[\"exp\"],\"exp\":1}")), key); });
  // The same member spelled with an escape is the same member.
  expect_errc(Errc::crypto, [&] { jws_verify(with_part(jws, 0, b64("{\"\\u0061lg\":\"none\"}")), key); });
}

TEST(Jws, MalformedRefused) {
  const auto key = a3_public_key();
  const std::string jws = kA3Jws;
  expect_errc(Errc::parse, [&] { jws_verify("abc", key); });
  expect_errc(Errc::parse, [&] { jws_verify(jws + ".x", key); });
  expect_errc(Errc::parse, [&] { jws_verify(jws.substr(0, jws.rfind('.')), key); });
  expect_errc(Errc::parse, [&] { jws_verify("eyJhbGciOiJFUzI1NiJ9=." + b64("x") + ".AA", key); });  // padding
  // Headers that are not one strict JSON object.
  for (const char* h : {"", "{", "[]", "{\"alg\":\"ES256\"} x", "{\"alg\":\"ES256\",}", "{\"alg\":ES256}",
                        "{\"alg\":\"ES256\",\"alg\":\"ES256\"}", "{\"alg\":\"ES256\",\"x\":01}",
                        "{\"alg\":\"ES256\",\"x\":\"\\ud800\"}", "{\"alg\":\"ES256\",\"x\":tru}", "{\"typ\":\"JWT\"}"}) {
    expect_errc(Errc::parse, [&] { jws_verify(with_part(jws, 0, b64(h)), key); });
  }
  // Well-formed but unusual JSON still parses; the signature then decides.
  expect_errc(Errc::crypto, [&] {
    jws_verify(with_part(jws, 0, b64(" {\"x\":[1,-2.5e3,{\"y\":null}],\"z\":\"\\\"\\u00e9\\ud83d\\ude00\",\"alg\":\"ES256\"} ")), key);
  });
  // A DER-encoded signature is not an RFC 7518 signature.
  expect_errc(Errc::crypto, [&] { jws_verify(with_part(jws, 2, b64(std::string(70, 'A'))), key); });
}

}  // namespace sesame::crypto
