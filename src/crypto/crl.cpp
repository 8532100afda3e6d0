#include "crypto/crl.h"

#include <climits>

#include "crypto/internal/x509.h"
#include "util/error.h"

namespace sesame::crypto {

using internal::X509Access;

Crl internal::X509Access::make_crl(X509CrlPtr c) {
  return Crl(std::make_shared<const Crl::Impl>(Crl::Impl{std::move(c)}));
}

Crl Crl::from_der(ByteView der) {
  if (der.empty() || der.size() > LONG_MAX) fail(Errc::parse, "crl: empty");
  const unsigned char* p = der.data();
  internal::X509CrlPtr c(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  if (!c) internal::fail_ossl(Errc::parse, "crl: malformed");
  if (p != der.data() + der.size()) fail(Errc::parse, "crl: trailing bytes");
  return X509Access::make_crl(std::move(c));
}

Crl Crl::from_pem(std::string_view pem) {
  const auto blocks = internal::pem_blocks(pem, "X509 CRL");
  if (blocks.size() != 1) fail(Errc::parse, "crl: expected exactly one X509 CRL block");
  return from_der(blocks.front());
}

Bytes Crl::der() const { return internal::to_der<X509_CRL>(impl_->crl.get(), i2d_X509_CRL, "crl"); }
std::string Crl::pem() const { return internal::to_pem(der(), "X509 CRL"); }

std::string Crl::issuer() const { return internal::name_to_string(X509_CRL_get_issuer(impl_->crl.get())); }
TimePoint Crl::this_update() const { return internal::from_asn1_time(X509_CRL_get0_lastUpdate(impl_->crl.get())); }

std::optional<TimePoint> Crl::next_update() const {
  const ASN1_TIME* t = X509_CRL_get0_nextUpdate(impl_->crl.get());
  if (!t) return std::nullopt;
  return internal::from_asn1_time(t);
}

std::optional<std::uint64_t> Crl::crl_number() const {
  int crit = 0;
  internal::AsnIntegerPtr n(
      static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(impl_->crl.get(), NID_crl_number, &crit, nullptr)));
  if (!n) {
    if (crit == -1) return std::nullopt;  // absent; other values mean malformed or duplicated
    fail(Errc::parse, "crl: malformed cRLNumber");
  }
  std::uint64_t v = 0;
  if (ASN1_INTEGER_get_uint64(&v, n.get()) != 1) internal::fail_ossl(Errc::parse, "crl: cRLNumber out of range");
  return v;
}

std::vector<Bytes> Crl::revoked_serials() const {
  std::vector<Bytes> out;
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(impl_->crl.get());
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i)
    out.push_back(internal::integer_magnitude(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))));
  return out;
}

bool Crl::lists(const Certificate& cert) const {
  X509* x = X509Access::x509(cert);
  if (X509_NAME_cmp(X509_CRL_get_issuer(impl_->crl.get()), X509_get_issuer_name(x)) != 0) return false;
  X509_REVOKED* entry = nullptr;
  return X509_CRL_get0_by_cert(impl_->crl.get(), &entry, x) == 1;
}

void Crl::verify_signature(const Certificate& issuer) const {
  X509* iss = X509Access::x509(issuer);
  if (X509_NAME_cmp(X509_CRL_get_issuer(impl_->crl.get()), X509_get_subject_name(iss)) != 0)
    fail(Errc::crypto, "crl: issuer name does not match");
  EVP_PKEY* key = X509_get0_pubkey(iss);
  if (key == nullptr || X509_CRL_verify(impl_->crl.get(), key) != 1) {
    ERR_clear_error();
    fail(Errc::crypto, "crl: signature does not verify");
  }
}

// ---- CrlBuilder ----

CrlBuilder& CrlBuilder::this_update(TimePoint t) {
  this_update_ = t;
  return *this;
}

CrlBuilder& CrlBuilder::next_update(TimePoint t) {
  next_update_ = t;
  return *this;
}

CrlBuilder& CrlBuilder::crl_number(std::uint64_t n) {
  number_ = n;
  return *this;
}

CrlBuilder& CrlBuilder::revoke(const Certificate& cert, TimePoint when) { return revoke_serial(cert.serial(), when); }

CrlBuilder& CrlBuilder::revoke_serial(ByteView serial, TimePoint when) {
  if (serial.empty() || serial.size() > 20) fail(Errc::invalid_argument, "crl: serial must be 1..20 bytes");
  revoked_.push_back({Bytes(serial.begin(), serial.end()), when});
  return *this;
}

Crl CrlBuilder::sign(const Certificate& issuer, const PrivateKey& issuer_key, SignatureHash hash) const {
  X509* iss = X509Access::x509(issuer);
  EVP_PKEY* pkey = internal::evp_pkey_of(issuer_key);
  if (X509_check_private_key(iss, pkey) != 1) {
    ERR_clear_error();
    fail(Errc::invalid_argument, "crl: key does not belong to the issuer certificate");
  }
  const TimePoint this_up = this_update_.value_or(std::chrono::system_clock::now());
  const TimePoint next_up = next_update_.value_or(this_up + std::chrono::hours(24 * 7));
  if (next_up <= this_up) fail(Errc::invalid_argument, "crl: nextUpdate must be after thisUpdate");

  internal::X509CrlPtr crl(X509_CRL_new());
  if (!crl) internal::fail_ossl(Errc::crypto, "crl: X509_CRL_new");
  auto check = [](int ok, const char* what) {
    if (ok != 1) internal::fail_ossl(Errc::crypto, std::string("crl: ") + what);
  };
  check(X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2), "version");
  check(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(iss)), "issuer");
  check(X509_CRL_set1_lastUpdate(crl.get(), internal::to_asn1_time(this_up).get()), "thisUpdate");
  check(X509_CRL_set1_nextUpdate(crl.get(), internal::to_asn1_time(next_up).get()), "nextUpdate");
  for (const auto& e : revoked_) {
    internal::X509RevokedPtr r(X509_REVOKED_new());
    if (!r) internal::fail_ossl(Errc::crypto, "crl: X509_REVOKED_new");
    check(X509_REVOKED_set_serialNumber(r.get(), internal::integer_from_magnitude(e.serial).get()), "serial");
    check(X509_REVOKED_set_revocationDate(r.get(), internal::to_asn1_time(e.when).get()), "revocationDate");
    check(X509_CRL_add0_revoked(crl.get(), r.get()), "add revoked");
    r.release();  // owned by the CRL now
  }
  check(X509_CRL_sort(crl.get()), "sort");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, iss, nullptr, nullptr, crl.get(), 0);
  internal::X509ExtPtr aki(X509V3_EXT_nconf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  if (!aki) internal::fail_ossl(Errc::invalid_argument, "crl: issuer has no subjectKeyIdentifier");
  check(X509_CRL_add_ext(crl.get(), aki.get(), -1), "authorityKeyIdentifier");
  internal::AsnIntegerPtr number(ASN1_INTEGER_new());
  if (!number || ASN1_INTEGER_set_uint64(number.get(), number_) != 1) internal::fail_ossl(Errc::crypto, "crl: number");
  check(X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, X509V3_ADD_DEFAULT), "cRLNumber");

  if (X509_CRL_sign(crl.get(), pkey, internal::md_for(hash)) <= 0) internal::fail_ossl(Errc::crypto, "crl: signing failed");
  // Re-decode so the returned object is exactly what a reader of the DER sees.
  return Crl::from_der(internal::to_der<X509_CRL>(crl.get(), i2d_X509_CRL, "crl"));
}

}  // namespace sesame::crypto
