#include "crypto/emv_certificates.h"

#include <string>

#include "crypto/hash.h"
#include "util/error.h"
#include "util/secure_buffer.h"

namespace sesame::crypto::emv {
namespace {

constexpr std::uint8_t kHeader = 0x6A;
constexpr std::uint8_t kTrailer = 0xBC;
constexpr std::uint8_t kSha1 = 0x01;
constexpr std::uint8_t kRsa = 0x01;
constexpr std::size_t kHashSize = 20;

// The two certificate layouts differ only in format, identifier size and what follows the key.
struct Layout {
  std::uint8_t format;
  std::size_t id_size;
  const char* what;
  std::size_t header() const { return 2 + id_size + 2 + 3 + 4; }  // 6A fmt id exp serial alg alg len elen
};
constexpr Layout kIssuer{0x02, 4, "issuer public key certificate"};
constexpr Layout kIcc{0x04, 10, "ICC public key certificate"};

[[noreturn]] void refuse(const Layout& l, const std::string& why) {
  fail(Errc::crypto, std::string(l.what) + ": " + why);
}

IssuedCertificate make_certificate(const Layout& l, const RsaPrivateKey& signer, const CertificateFields& f,
                                   const RsaPublicKey& key, ByteView trailing_data) {
  const std::size_t n = signer.modulus_size();
  if (f.identifier.size() != l.id_size || f.expiry.size() != 2 || f.serial.size() != 3)
    fail(Errc::invalid_argument, std::string(l.what) + ": identifier, expiry or serial has the wrong size");
  const Bytes modulus = key.modulus();
  const Bytes exponent = key.public_exponent();
  if (modulus.size() > n || modulus.size() > 255 || exponent.size() > 3)
    fail(Errc::invalid_argument, std::string(l.what) + ": the key does not fit its signer");
  const std::size_t field = n - l.header() - kHashSize - 1;
  Bytes body{l.format};
  append(body, f.identifier);
  append(body, f.expiry);
  append(body, f.serial);
  body.push_back(kSha1);
  body.push_back(kRsa);
  body.push_back(static_cast<std::uint8_t>(modulus.size()));
  body.push_back(static_cast<std::uint8_t>(exponent.size()));
  IssuedCertificate out;
  if (modulus.size() <= field) {
    append(body, modulus);
    body.resize(body.size() + field - modulus.size(), 0xBB);
  } else {
    body.insert(body.end(), modulus.begin(), modulus.begin() + static_cast<std::ptrdiff_t>(field));
    out.remainder.assign(modulus.begin() + static_cast<std::ptrdiff_t>(field), modulus.end());
  }
  const Bytes digest = sha1(concat({body, out.remainder, exponent, trailing_data}));
  Bytes block{kHeader};
  append(block, body);
  append(block, digest);
  block.push_back(kTrailer);
  out.certificate = signer.raw_private(block);
  return out;
}

RecoveredKey recover_certificate(const Layout& l, const RsaPublicKey& signer, ByteView certificate,
                                 ByteView remainder, ByteView exponent, ByteView trailing_data) {
  const std::size_t n = signer.modulus_size();
  if (certificate.size() != n) refuse(l, "length differs from the signer's modulus");
  Bytes x;
  try {
    x = signer.raw_public(certificate);
  } catch (const Error&) {
    refuse(l, "not a valid RSA block for the signer's key");
  }
  if (x.front() != kHeader) refuse(l, "recovered data header is not 6A");
  if (x.back() != kTrailer) refuse(l, "recovered data trailer is not BC");
  if (x[1] != l.format) refuse(l, "wrong certificate format");
  const std::size_t h = l.header();
  if (x[h - 4] != kSha1) refuse(l, "unknown hash algorithm indicator");
  if (x[h - 3] != kRsa) refuse(l, "unknown public key algorithm indicator");
  const std::size_t key_size = x[h - 2];
  const std::size_t exp_size = x[h - 1];
  const std::size_t field = n - h - kHashSize - 1;
  if (exp_size != exponent.size()) refuse(l, "exponent length differs from the certified one");
  const ByteView xv(x);
  const ByteView body = xv.subspan(1, h - 1 + field);
  const ByteView stated_hash = xv.subspan(h + field, kHashSize);
  const Bytes digest = sha1(concat({body, remainder, exponent, trailing_data}));
  if (!secure_equal(digest, stated_hash)) refuse(l, "hash does not match");
  Bytes modulus;
  if (key_size <= field) {
    if (!remainder.empty()) refuse(l, "a remainder was given for a key that fits the certificate");
    const ByteView key_field = xv.subspan(h, field);
    modulus.assign(key_field.begin(), key_field.begin() + static_cast<std::ptrdiff_t>(key_size));
  } else {
    if (remainder.size() != key_size - field) refuse(l, "the key remainder has the wrong length");
    modulus = concat({xv.subspan(h, field), remainder});
  }
  RecoveredKey out{{Bytes(xv.begin() + 2, xv.begin() + 2 + static_cast<std::ptrdiff_t>(l.id_size)),
                    Bytes(xv.begin() + 2 + static_cast<std::ptrdiff_t>(l.id_size), xv.begin() + 4 + static_cast<std::ptrdiff_t>(l.id_size)),
                    Bytes(xv.begin() + 4 + static_cast<std::ptrdiff_t>(l.id_size), xv.begin() + 7 + static_cast<std::ptrdiff_t>(l.id_size))},
                   [&] {
                     try {
                       return RsaPublicKey::from_components(modulus, exponent);
                     } catch (const Error&) {
                       refuse(l, "the certified key is not a usable RSA key");
                     }
                   }()};
  return out;
}

}  // namespace

IssuedCertificate make_issuer_certificate(const RsaPrivateKey& ca, const CertificateFields& fields,
                                          const RsaPublicKey& issuer_key) {
  return make_certificate(kIssuer, ca, fields, issuer_key, {});
}

RecoveredKey recover_issuer_certificate(const RsaPublicKey& ca, ByteView certificate, ByteView remainder,
                                        ByteView exponent) {
  return recover_certificate(kIssuer, ca, certificate, remainder, exponent, {});
}

IssuedCertificate make_icc_certificate(const RsaPrivateKey& issuer, const CertificateFields& fields,
                                       const RsaPublicKey& icc_key, ByteView static_data) {
  return make_certificate(kIcc, issuer, fields, icc_key, static_data);
}

RecoveredKey recover_icc_certificate(const RsaPublicKey& issuer, ByteView certificate, ByteView remainder,
                                     ByteView exponent, ByteView static_data) {
  return recover_certificate(kIcc, issuer, certificate, remainder, exponent, static_data);
}

Bytes sign_dynamic_data(const RsaPrivateKey& icc, ByteView icc_dynamic_data, ByteView terminal_dynamic_data) {
  const std::size_t n = icc.modulus_size();
  if (icc_dynamic_data.size() + 25 > n || icc_dynamic_data.size() > 255)
    fail(Errc::invalid_argument, "signed dynamic data: ICC dynamic data too long for the key");
  Bytes body{0x05, kSha1, static_cast<std::uint8_t>(icc_dynamic_data.size())};
  append(body, icc_dynamic_data);
  body.resize(n - 22, 0xBB);
  const Bytes digest = sha1(concat({body, terminal_dynamic_data}));
  Bytes block{kHeader};
  append(block, body);
  append(block, digest);
  block.push_back(kTrailer);
  return icc.raw_private(block);
}

Bytes recover_dynamic_data(const RsaPublicKey& icc, ByteView sdad, ByteView terminal_dynamic_data) {
  const std::size_t n = icc.modulus_size();
  auto refuse_sdad = [](const char* why) { fail(Errc::crypto, std::string("signed dynamic application data: ") + why); };
  if (sdad.size() != n) refuse_sdad("length differs from the ICC modulus");
  Bytes x;
  try {
    x = icc.raw_public(sdad);
  } catch (const Error&) {
    refuse_sdad("not a valid RSA block for the ICC key");
  }
  if (x.front() != kHeader || x.back() != kTrailer) refuse_sdad("header or trailer wrong");
  if (x[1] != 0x05) refuse_sdad("format is not 05");
  if (x[2] != kSha1) refuse_sdad("unknown hash algorithm indicator");
  const std::size_t ldd = x[3];
  if (ldd + 25 > n) refuse_sdad("ICC dynamic data length too large");
  const ByteView xv(x);
  const Bytes digest = sha1(concat({xv.subspan(1, n - 22), terminal_dynamic_data}));
  if (!secure_equal(digest, xv.subspan(n - 21, kHashSize))) refuse_sdad("hash does not match");
  return Bytes(xv.begin() + 4, xv.begin() + 4 + static_cast<std::ptrdiff_t>(ldd));
}

Bytes encode_cda_dynamic_data(const CdaDynamicData& d) {
  if (d.icc_dynamic_number.size() < 2 || d.icc_dynamic_number.size() > 8 || d.cryptogram.size() != 8 ||
      d.transaction_data_hash.size() != kHashSize)
    fail(Errc::invalid_argument, "CDA dynamic data: wrong field sizes");
  Bytes out{static_cast<std::uint8_t>(d.icc_dynamic_number.size())};
  append(out, d.icc_dynamic_number);
  out.push_back(d.cid);
  append(out, d.cryptogram);
  append(out, d.transaction_data_hash);
  return out;
}

CdaDynamicData parse_cda_dynamic_data(ByteView data) {
  auto refuse_dd = [](const char* why) { fail(Errc::crypto, std::string("CDA ICC dynamic data: ") + why); };
  if (data.empty()) refuse_dd("empty");
  const std::size_t nl = data[0];
  if (nl < 2 || nl > 8) refuse_dd("ICC dynamic number length out of range");
  if (data.size() != 1 + nl + 1 + 8 + kHashSize) refuse_dd("wrong length");
  CdaDynamicData d;
  d.icc_dynamic_number.assign(data.begin() + 1, data.begin() + 1 + static_cast<std::ptrdiff_t>(nl));
  d.cid = data[1 + nl];
  d.cryptogram.assign(data.begin() + 2 + static_cast<std::ptrdiff_t>(nl), data.begin() + 10 + static_cast<std::ptrdiff_t>(nl));
  d.transaction_data_hash.assign(data.begin() + 10 + static_cast<std::ptrdiff_t>(nl), data.end());
  return d;
}

}  // namespace sesame::crypto::emv
