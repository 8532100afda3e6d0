// ECDSA signatures (FIPS 186-4 / SEC1) over the keys of ec_key.h.
//
// Signatures come in two encodings: DER (X.509, CMS, TLS) and raw r||s with each half exactly
// field_size bytes, zero-padded (JWS ES256/384/512, ICAO/BSI plain format, EMV).
// Verification returns false for a wrong or malformed signature; it throws only for caller errors
// (e.g. an empty digest).
#pragma once

#include "crypto/ec_key.h"
#include "crypto/signature_hash.h"
#include "util/bytes.h"

namespace sesame::crypto {

enum class EcdsaFormat { der, raw };

// Signs a precomputed digest (truncated to the order's bit length as FIPS 186-4 says).
Bytes ecdsa_sign_digest(const EcPrivateKey& key, ByteView digest, EcdsaFormat format = EcdsaFormat::der);
bool ecdsa_verify_digest(const EcPublicKey& key, ByteView digest, ByteView signature,
                         EcdsaFormat format = EcdsaFormat::der);

// Hashes the message with `hash`, then signs / verifies.
Bytes ecdsa_sign(const EcPrivateKey& key, SignatureHash hash, ByteView message,
                 EcdsaFormat format = EcdsaFormat::der);
bool ecdsa_verify(const EcPublicKey& key, SignatureHash hash, ByteView message, ByteView signature,
                  EcdsaFormat format = EcdsaFormat::der);

// DER Ecdsa-Sig-Value -> r||s (each field_size(curve) bytes). Refuses non-canonical DER, trailing
// bytes and r or s wider than the field (Error(Errc::parse)).
Bytes ecdsa_der_to_raw(Curve curve, ByteView der);
// r||s (even, non-zero length) -> DER Ecdsa-Sig-Value.
Bytes ecdsa_raw_to_der(ByteView raw);

}  // namespace sesame::crypto
