// Compact JWS (RFC 7515 §7.1) with ES256 and ES384 (RFC 7518 §3.4: ECDSA, raw R||S signatures).
//
// The caller serialises the protected header itself (crypto carries no JSON library); this code
// reads only its top-level "alg" and "crit" members, strictly. Verification refuses "none", any
// algorithm other than the one the key's curve implies (ES256 <-> P-256, ES384 <-> P-384), a
// "crit" member (no extensions are understood, RFC 7515 §4.1.11) and duplicate members.
#pragma once

#include <string>
#include <string_view>

#include "crypto/ec_key.h"
#include "util/bytes.h"

namespace sesame::crypto {

enum class JwsAlg { es256, es384 };

std::string_view jws_alg_name(JwsAlg alg) noexcept;  // "ES256", "ES384"
// The algorithm a key's curve implies; Error(Errc::invalid_argument) for any curve but P-256/P-384.
JwsAlg jws_alg_for(Curve curve);

// header_json is the exact protected header text (UTF-8 JSON object); its "alg" must be the one
// the key's curve implies (Error(Errc::invalid_argument) otherwise). Returns
// BASE64URL(header) '.' BASE64URL(payload) '.' BASE64URL(R||S).
std::string jws_sign(std::string_view header_json, ByteView payload, const EcPrivateKey& key);

struct JwsVerified {
  std::string header_json;  // the protected header as signed
  Bytes payload;
  JwsAlg alg;
};

// Error(Errc::parse) for a malformed serialisation or header, Error(Errc::crypto) for a refused
// algorithm or a signature that does not verify. Nothing is returned unless the signature verifies.
JwsVerified jws_verify(std::string_view compact, const EcPublicKey& key);

// The decoded protected header WITHOUT verifying anything, for choosing a key (e.g. by "kid").
// Never act on it before jws_verify succeeds.
std::string jws_unverified_header(std::string_view compact);

}  // namespace sesame::crypto
