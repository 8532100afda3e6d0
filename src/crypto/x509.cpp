#include "crypto/x509.h"

#include <openssl/pem.h>

#include <climits>
#include <ctime>

#include "crypto/hash.h"
#include "crypto/internal/evp_fetch.h"
#include "crypto/internal/x509.h"
#include "util/error.h"

namespace sesame::crypto {

// ---- helpers shared by the X.509 family (internal/x509.h) ----
namespace internal {

std::vector<Bytes> pem_blocks(std::string_view pem, const char* label) {
  BioPtr bio = mem_bio(as_bytes(pem));
  std::vector<Bytes> out;
  for (;;) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
      const unsigned long e = ERR_peek_last_error();
      if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
        ERR_clear_error();
        break;
      }
      fail_ossl(Errc::parse, "pem: malformed block");
    }
    OsslCharPtr n(name), h(header);
    OsslBytesPtr d(data);
    if (std::string_view(name) == label) out.emplace_back(data, data + len);
  }
  return out;
}

std::string to_pem(ByteView der, const char* label) {
  BioPtr bio = empty_mem_bio();
  if (der.size() > LONG_MAX || PEM_write_bio(bio.get(), label, "", der.data(), static_cast<long>(der.size())) <= 0)
    fail_ossl(Errc::crypto, "pem: cannot encode");
  const Bytes text = bio_contents(bio.get());
  return std::string(text.begin(), text.end());
}

TimePoint from_asn1_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) fail(Errc::parse, "x509: malformed time");
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

AsnTimePtr to_asn1_time(TimePoint t) {
  // ASN1_TIME_set picks UTCTime before 2050 and GeneralizedTime after, as RFC 5280 §4.1.2.5 says.
  AsnTimePtr a(ASN1_TIME_set(nullptr, std::chrono::system_clock::to_time_t(t)));
  if (!a) fail_ossl(Errc::invalid_argument, "x509: time out of range");
  return a;
}

Bytes integer_magnitude(const ASN1_INTEGER* i) {
  BignumPtr bn(ASN1_INTEGER_to_BN(i, nullptr));
  if (!bn) fail_ossl(Errc::parse, "x509: malformed INTEGER");
  Bytes out(static_cast<std::size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), out.data());
  return out;
}

AsnIntegerPtr integer_from_magnitude(ByteView magnitude) {
  if (magnitude.empty() || magnitude.size() > INT_MAX) fail(Errc::invalid_argument, "x509: empty INTEGER");
  BignumPtr bn(BN_bin2bn(magnitude.data(), static_cast<int>(magnitude.size()), nullptr));
  if (!bn) fail_ossl(Errc::crypto, "x509: BN_bin2bn");
  AsnIntegerPtr i(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!i) fail_ossl(Errc::crypto, "x509: BN_to_ASN1_INTEGER");
  return i;
}

std::string name_to_string(const X509_NAME* name) {
  BioPtr bio = empty_mem_bio();
  if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
    fail_ossl(Errc::parse, "x509: cannot print name");
  const Bytes text = bio_contents(bio.get());
  return std::string(text.begin(), text.end());
}

const EVP_MD* md_for(SignatureHash hash) {
  switch (hash) {
    case SignatureHash::sha1: return fetched_md(HashAlg::sha1);
    case SignatureHash::sha224: return fetched_md(HashAlg::sha224);
    case SignatureHash::sha256: return fetched_md(HashAlg::sha256);
    case SignatureHash::sha384: return fetched_md(HashAlg::sha384);
    case SignatureHash::sha512: return fetched_md(HashAlg::sha512);
  }
  fail(Errc::invalid_argument, "x509: unknown hash");
}

EVP_PKEY* evp_pkey_of(const PrivateKey& key) noexcept {
  return std::visit([](const auto& k) { return evp_pkey_of(k); }, key);
}

EVP_PKEY* evp_pkey_of(const PublicKey& key) noexcept {
  return std::visit([](const auto& k) { return evp_pkey_of(k); }, key);
}

PublicKey public_key_from(EvpPkeyPtr pkey) {
  switch (pkey_type(pkey.get())) {
    case EVP_PKEY_EC: return ec_public_key_from(std::move(pkey));
    case EVP_PKEY_RSA: return rsa_public_key_from(std::move(pkey));
    default: fail(Errc::crypto, "x509: unsupported public key type");
  }
}

Certificate X509Access::make_certificate(X509Ptr x) {
  // Caches the decoded extensions (thread-safely, once) and flags malformed or duplicate ones.
  X509_check_purpose(x.get(), -1, 0);
  if (X509_get_extension_flags(x.get()) & EXFLAG_INVALID) fail(Errc::parse, "x509: malformed extensions");
  ERR_clear_error();
  return Certificate(std::make_shared<const Certificate::Impl>(Certificate::Impl{std::move(x)}));
}

}  // namespace internal

// ---- Certificate ----
namespace {

using internal::X509Access;

std::optional<std::string> last_cn(const X509_NAME* name) {
  int idx = -1, last = -1;
  while ((idx = X509_NAME_get_index_by_NID(name, NID_commonName, idx)) >= 0) last = idx;
  if (last < 0) return std::nullopt;
  const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last));
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, s);
  if (n < 0) internal::fail_ossl(Errc::parse, "x509: malformed commonName");
  internal::OsslBytesPtr guard(utf8);
  return std::string(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(n));
}

// Invokes f(const GENERAL_NAME*) for each subjectAltName entry.
template <typename F>
void for_each_san(X509* x, F f) {
  internal::GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) f(sk_GENERAL_NAME_value(names.get(), i));
}

}  // namespace

Certificate Certificate::from_der(ByteView der) {
  if (der.empty() || der.size() > LONG_MAX) fail(Errc::parse, "x509: empty certificate");
  const unsigned char* p = der.data();
  internal::X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) internal::fail_ossl(Errc::parse, "x509: malformed certificate");
  if (p != der.data() + der.size()) fail(Errc::parse, "x509: trailing bytes after certificate");
  return X509Access::make_certificate(std::move(x));
}

Certificate Certificate::from_pem(std::string_view pem) {
  const auto blocks = internal::pem_blocks(pem, "CERTIFICATE");
  if (blocks.size() != 1) fail(Errc::parse, "x509: expected exactly one CERTIFICATE block");
  return from_der(blocks.front());
}

std::vector<Certificate> Certificate::all_from_pem(std::string_view pem) {
  std::vector<Certificate> out;
  for (const auto& der : internal::pem_blocks(pem, "CERTIFICATE")) out.push_back(from_der(der));
  if (out.empty()) fail(Errc::parse, "x509: no CERTIFICATE block");
  return out;
}

Bytes Certificate::der() const { return internal::to_der<X509>(impl_->x509.get(), i2d_X509, "x509"); }
std::string Certificate::pem() const { return internal::to_pem(der(), "CERTIFICATE"); }

std::string Certificate::subject() const { return internal::name_to_string(X509_get_subject_name(impl_->x509.get())); }
std::string Certificate::issuer() const { return internal::name_to_string(X509_get_issuer_name(impl_->x509.get())); }
std::optional<std::string> Certificate::subject_cn() const { return last_cn(X509_get_subject_name(impl_->x509.get())); }
std::optional<std::string> Certificate::issuer_cn() const { return last_cn(X509_get_issuer_name(impl_->x509.get())); }

Bytes Certificate::serial() const { return internal::integer_magnitude(X509_get0_serialNumber(impl_->x509.get())); }
TimePoint Certificate::not_before() const { return internal::from_asn1_time(X509_get0_notBefore(impl_->x509.get())); }
TimePoint Certificate::not_after() const { return internal::from_asn1_time(X509_get0_notAfter(impl_->x509.get())); }

PublicKey Certificate::public_key() const {
  internal::EvpPkeyPtr pkey(X509_get_pubkey(impl_->x509.get()));
  if (!pkey) internal::fail_ossl(Errc::crypto, "x509: unsupported or malformed public key");
  return internal::public_key_from(std::move(pkey));
}

std::optional<BasicConstraints> Certificate::basic_constraints() const {
  internal::BasicConstraintsPtr bc(
      static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(impl_->x509.get(), NID_basic_constraints, nullptr, nullptr)));
  if (!bc) return std::nullopt;
  BasicConstraints out;
  out.ca = bc->ca != 0;
  if (bc->pathlen) {
    long v = ASN1_INTEGER_get(bc->pathlen);
    if (v < 0 || v > INT_MAX) fail(Errc::parse, "x509: bad pathLenConstraint");
    out.path_len = static_cast<int>(v);
  }
  return out;
}

std::optional<KeyUsage> Certificate::key_usage() const {
  if (!(X509_get_extension_flags(impl_->x509.get()) & EXFLAG_KUSAGE)) return std::nullopt;
  const std::uint32_t ku = X509_get_key_usage(impl_->x509.get());
  struct Map {
    std::uint32_t ossl;
    KeyUsage ours;
  };
  static constexpr Map kMap[] = {
      {KU_DIGITAL_SIGNATURE, KeyUsage::digital_signature}, {KU_NON_REPUDIATION, KeyUsage::non_repudiation},
      {KU_KEY_ENCIPHERMENT, KeyUsage::key_encipherment},   {KU_DATA_ENCIPHERMENT, KeyUsage::data_encipherment},
      {KU_KEY_AGREEMENT, KeyUsage::key_agreement},         {KU_KEY_CERT_SIGN, KeyUsage::key_cert_sign},
      {KU_CRL_SIGN, KeyUsage::crl_sign},                   {KU_ENCIPHER_ONLY, KeyUsage::encipher_only},
      {KU_DECIPHER_ONLY, KeyUsage::decipher_only},
  };
  KeyUsage out = KeyUsage::none;
  for (const auto& m : kMap)
    if (ku & m.ossl) out = out | m.ours;
  return out;
}

std::optional<ExtendedKeyUsage> Certificate::extended_key_usage() const {
  if (!(X509_get_extension_flags(impl_->x509.get()) & EXFLAG_XKUSAGE)) return std::nullopt;
  const std::uint32_t xku = X509_get_extended_key_usage(impl_->x509.get());
  ExtendedKeyUsage out = ExtendedKeyUsage::none;
  if (xku & XKU_SSL_SERVER) out = out | ExtendedKeyUsage::server_auth;
  if (xku & XKU_SSL_CLIENT) out = out | ExtendedKeyUsage::client_auth;
  return out;
}

std::optional<Bytes> Certificate::subject_key_id() const {
  const ASN1_OCTET_STRING* s = X509_get0_subject_key_id(impl_->x509.get());
  if (!s) return std::nullopt;
  return Bytes(ASN1_STRING_get0_data(s), ASN1_STRING_get0_data(s) + ASN1_STRING_length(s));
}

std::optional<Bytes> Certificate::authority_key_id() const {
  const ASN1_OCTET_STRING* s = X509_get0_authority_key_id(impl_->x509.get());
  if (!s) return std::nullopt;
  return Bytes(ASN1_STRING_get0_data(s), ASN1_STRING_get0_data(s) + ASN1_STRING_length(s));
}

std::optional<Bytes> Certificate::extension_value(const std::string& oid) const {
  internal::AsnObjectPtr obj(OBJ_txt2obj(oid.c_str(), /*no_name=*/1));
  if (!obj) fail(Errc::invalid_argument, "x509: not a dotted OID: " + oid);
  const int at = X509_get_ext_by_OBJ(impl_->x509.get(), obj.get(), -1);
  if (at < 0) return std::nullopt;
  const ASN1_OCTET_STRING* s = X509_EXTENSION_get_data(X509_get_ext(impl_->x509.get(), at));
  return Bytes(ASN1_STRING_get0_data(s), ASN1_STRING_get0_data(s) + ASN1_STRING_length(s));
}

std::vector<std::string> Certificate::dns_names() const {
  std::vector<std::string> out;
  for_each_san(impl_->x509.get(), [&](const GENERAL_NAME* g) {
    if (g->type != GEN_DNS) return;
    const ASN1_STRING* s = g->d.dNSName;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<std::size_t>(ASN1_STRING_length(s)));
  });
  return out;
}

std::vector<Bytes> Certificate::ip_addresses() const {
  std::vector<Bytes> out;
  for_each_san(impl_->x509.get(), [&](const GENERAL_NAME* g) {
    if (g->type != GEN_IPADD) return;
    const ASN1_STRING* s = g->d.iPAddress;
    out.emplace_back(ASN1_STRING_get0_data(s), ASN1_STRING_get0_data(s) + ASN1_STRING_length(s));
  });
  return out;
}

Bytes Certificate::fingerprint_sha256() const { return sha256(der()); }

bool Certificate::is_self_issued() const {
  return X509_NAME_cmp(X509_get_subject_name(impl_->x509.get()), X509_get_issuer_name(impl_->x509.get())) == 0;
}

void Certificate::verify_signature(const Certificate& issuer) const {
  X509* self = impl_->x509.get();
  X509* iss = issuer.impl_->x509.get();
  // Names, authorityKeyIdentifier against the issuer's key id, and the issuer's keyCertSign.
  const int rc = X509_check_issued(iss, self);
  if (rc != X509_V_OK)
    fail(Errc::crypto, std::string("x509: not issued by this certificate: ") + X509_verify_cert_error_string(rc));
  EVP_PKEY* key = X509_get0_pubkey(iss);
  if (key == nullptr || X509_verify(self, key) != 1) {
    ERR_clear_error();
    fail(Errc::crypto, "x509: certificate signature does not verify");
  }
}

bool operator==(const Certificate& a, const Certificate& b) { return a.der() == b.der(); }

}  // namespace sesame::crypto
