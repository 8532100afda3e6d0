// EMV public key certificates and signed dynamic data (EMV 4.3/4.4 Book 2 §5 and §6): the issuer
// public key certificate (format 02, signed by the CA), the ICC public key certificate (format 04,
// signed by the issuer), and Signed Dynamic Application Data (format 05) as CDA uses it (§6.6).
// Hash algorithm 01 (SHA-1) and public key algorithm 01 (RSA), the only ones Book 2 defines.
//
// Recovery checks what the certificate itself can prove (sizes, header 6A, format, trailer BC,
// algorithm indicators, the hash) and throws Error(Errc::crypto) naming the failed check (D6);
// what needs the terminal's context (the PAN matches, the date has not passed, revocation) is
// returned for the caller to check.
#pragma once

#include <cstdint>

#include "crypto/rsa_key.h"
#include "util/bytes.h"

namespace sesame::crypto::emv {

// Book 2 Table 13 (issuer) / Table 14 (ICC) fields besides the key.
struct CertificateFields {
  Bytes identifier;     // issuer: 4 bytes, leftmost 3-8 PAN digits F-padded; ICC: 10 bytes, the PAN F-padded
  Bytes expiry;         // MMYY, 2 bytes BCD
  Bytes serial;         // 3 bytes
};

struct RecoveredKey {
  CertificateFields fields;
  RsaPublicKey key;
};

// An issued certificate: the signed block and the key's remainder (empty when the key fits).
struct IssuedCertificate {
  Bytes certificate;
  Bytes remainder;
};

// Book 2 §5.3 / §6.3: the issuer public key certificate, signed with the CA private key. The issuer
// key may be at most as long as the CA key.
IssuedCertificate make_issuer_certificate(const RsaPrivateKey& ca, const CertificateFields& fields,
                                          const RsaPublicKey& issuer_key);
// Book 2 §5.4 / Table 6: recovers and checks it. `exponent` is tag 9F32, `remainder` tag 92.
RecoveredKey recover_issuer_certificate(const RsaPublicKey& ca, ByteView certificate, ByteView remainder,
                                        ByteView exponent);

// Book 2 §6.4: the ICC public key certificate, signed with the issuer private key over the fields,
// the key and the Static Data to be Authenticated (§6.4, the AFL records marked for offline data
// authentication and, if 9F4A lists it, the AIP).
IssuedCertificate make_icc_certificate(const RsaPrivateKey& issuer, const CertificateFields& fields,
                                       const RsaPublicKey& icc_key, ByteView static_data);
RecoveredKey recover_icc_certificate(const RsaPublicKey& issuer, ByteView certificate, ByteView remainder,
                                     ByteView exponent, ByteView static_data);

// Book 2 §6.5.1 Table 17, format 05: '6A' 05 01 LDD || ICC Dynamic Data || BB.. || SHA-1 || 'BC',
// where the hash covers 05 01 LDD || ICC Dynamic Data || BB.. || Terminal Dynamic Data (for CDA
// the Unpredictable Number, §6.6.1). The dynamic data must leave room: LDD <= N_IC - 25.
Bytes sign_dynamic_data(const RsaPrivateKey& icc, ByteView icc_dynamic_data, ByteView terminal_dynamic_data);
// Book 2 §6.5.2 / §6.6.2 steps 1-7: recovers the SDAD, checks it and returns the ICC Dynamic Data.
Bytes recover_dynamic_data(const RsaPublicKey& icc, ByteView sdad, ByteView terminal_dynamic_data);

// Book 2 §6.6.1 Table 19: the ICC Dynamic Data of CDA.
struct CdaDynamicData {
  Bytes icc_dynamic_number;  // 2-8 bytes
  std::uint8_t cid = 0;
  Bytes cryptogram;           // 8 bytes
  Bytes transaction_data_hash;  // 20 bytes
};
Bytes encode_cda_dynamic_data(const CdaDynamicData& d);
// Throws Error(Errc::crypto) when the recovered data does not have this layout.
CdaDynamicData parse_cda_dynamic_data(ByteView icc_dynamic_data);

}  // namespace sesame::crypto::emv
