#include "crypto/certificate_builder.h"

#include <climits>

#include "crypto/internal/x509.h"
#include "crypto/random.h"
#include "util/error.h"

namespace sesame::crypto {
namespace {

using internal::X509Access;

void check(int ok, const char* what) {
  if (ok != 1) internal::fail_ossl(Errc::crypto, std::string("x509 builder: ") + what);
}

// Only fixed strings built from enums reach the configuration parser; names supplied by callers
// are encoded directly (see add_san), so they cannot inject extra extension values.
void add_conf_ext(X509* x, X509V3_CTX* ctx, int nid, const std::string& value) {
  internal::X509ExtPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext) internal::fail_ossl(Errc::crypto, "x509 builder: cannot build extension " + std::string(OBJ_nid2sn(nid)));
  check(X509_add_ext(x, ext.get(), -1), "add extension");
}

std::string key_usage_conf(KeyUsage ku) {
  struct Name {
    KeyUsage bit;
    const char* name;
  };
  static constexpr Name kNames[] = {
      {KeyUsage::digital_signature, "digitalSignature"}, {KeyUsage::non_repudiation, "nonRepudiation"},
      {KeyUsage::key_encipherment, "keyEncipherment"},   {KeyUsage::data_encipherment, "dataEncipherment"},
      {KeyUsage::key_agreement, "keyAgreement"},         {KeyUsage::key_cert_sign, "keyCertSign"},
      {KeyUsage::crl_sign, "cRLSign"},                   {KeyUsage::encipher_only, "encipherOnly"},
      {KeyUsage::decipher_only, "decipherOnly"},
  };
  std::string s = "critical";
  for (const auto& n : kNames)
    if (has(ku, n.bit)) s += std::string(",") + n.name;
  return s;
}

bool valid_dns_name(const std::string& n) {
  if (n.empty() || n.size() > 253) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
          c == '*'))
      return false;
  return true;
}

void add_raw_ext(X509* x, const std::string& oid, const Bytes& value, bool critical) {
  internal::AsnObjectPtr obj(OBJ_txt2obj(oid.c_str(), /*no_name=*/1));
  if (!obj) fail(Errc::invalid_argument, "x509 builder: not a dotted OID: " + oid);
  internal::AsnOctetStringPtr data(ASN1_OCTET_STRING_new());
  if (!data || value.size() > INT_MAX ||
      ASN1_OCTET_STRING_set(data.get(), value.data(), static_cast<int>(value.size())) != 1)
    internal::fail_ossl(Errc::crypto, "x509 builder: out of memory");
  internal::X509ExtPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), critical ? 1 : 0, data.get()));
  if (!ext) internal::fail_ossl(Errc::crypto, "x509 builder: cannot build extension " + oid);
  check(X509_add_ext(x, ext.get(), -1), "add extension");
}

void add_san(X509* x, const std::vector<std::string>& dns, const std::vector<std::string>& ips) {
  if (dns.empty() && ips.empty()) return;
  internal::GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) internal::fail_ossl(Errc::crypto, "x509 builder: out of memory");
  auto push = [&](GENERAL_NAME* g) {
    if (!sk_GENERAL_NAME_push(names.get(), g)) {
      GENERAL_NAME_free(g);
      internal::fail_ossl(Errc::crypto, "x509 builder: out of memory");
    }
  };
  for (const auto& d : dns) {
    ASN1_IA5STRING* s = ASN1_IA5STRING_new();
    if (!s || ASN1_STRING_set(s, d.data(), static_cast<int>(d.size())) != 1) {
      ASN1_IA5STRING_free(s);
      internal::fail_ossl(Errc::crypto, "x509 builder: out of memory");
    }
    GENERAL_NAME* g = GENERAL_NAME_new();
    if (!g) {
      ASN1_IA5STRING_free(s);
      internal::fail_ossl(Errc::crypto, "x509 builder: out of memory");
    }
    GENERAL_NAME_set0_value(g, GEN_DNS, s);
    push(g);
  }
  for (const auto& ip : ips) {
    ASN1_OCTET_STRING* a = a2i_IPADDRESS(ip.c_str());
    if (!a) {
      ERR_clear_error();
      fail(Errc::invalid_argument, "x509 builder: not an IP address: " + ip);
    }
    GENERAL_NAME* g = GENERAL_NAME_new();
    if (!g) {
      ASN1_OCTET_STRING_free(a);
      internal::fail_ossl(Errc::crypto, "x509 builder: out of memory");
    }
    GENERAL_NAME_set0_value(g, GEN_IPADD, a);
    push(g);
  }
  check(X509_add1_ext_i2d(x, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT), "subjectAltName");
}

}  // namespace

CertificateBuilder& CertificateBuilder::common_name(std::string cn) {
  cn_ = std::move(cn);
  return *this;
}
CertificateBuilder& CertificateBuilder::organization(std::string o) {
  o_ = std::move(o);
  return *this;
}
CertificateBuilder& CertificateBuilder::organizational_unit(std::string ou) {
  ou_ = std::move(ou);
  return *this;
}
CertificateBuilder& CertificateBuilder::country(std::string c) {
  if (c.size() != 2) fail(Errc::invalid_argument, "x509 builder: country must be two letters");
  c_ = std::move(c);
  return *this;
}

CertificateBuilder& CertificateBuilder::serial(ByteView serial) {
  std::size_t i = 0;
  while (i < serial.size() && serial[i] == 0) ++i;
  if (i == serial.size() || serial.size() > 20)
    fail(Errc::invalid_argument, "x509 builder: serial must be 1..20 bytes and not zero");
  serial_.assign(serial.begin(), serial.end());
  return *this;
}

CertificateBuilder& CertificateBuilder::validity(TimePoint not_before, TimePoint not_after) {
  if (not_after <= not_before) fail(Errc::invalid_argument, "x509 builder: notAfter must be after notBefore");
  not_before_ = not_before;
  not_after_ = not_after;
  return *this;
}

CertificateBuilder& CertificateBuilder::ca(std::optional<int> path_len) {
  if (path_len && *path_len < 0) fail(Errc::invalid_argument, "x509 builder: negative path length");
  ca_ = true;
  path_len_ = path_len;
  return *this;
}

CertificateBuilder& CertificateBuilder::key_usage(KeyUsage ku) {
  key_usage_ = ku;
  return *this;
}

CertificateBuilder& CertificateBuilder::extended_key_usage(ExtendedKeyUsage eku) {
  eku_ = eku;
  return *this;
}

CertificateBuilder& CertificateBuilder::dns_name(std::string name) {
  if (!valid_dns_name(name)) fail(Errc::invalid_argument, "x509 builder: not a DNS name");
  dns_names_.push_back(std::move(name));
  return *this;
}

CertificateBuilder& CertificateBuilder::ip_address(std::string ip) {
  ips_.push_back(std::move(ip));
  return *this;
}

CertificateBuilder& CertificateBuilder::public_key(PublicKey key) {
  public_key_ = std::move(key);
  return *this;
}

Certificate CertificateBuilder::self_sign(const PrivateKey& key, SignatureHash hash) const {
  return build(nullptr, key, hash);
}

Certificate CertificateBuilder::sign(const Certificate& issuer, const PrivateKey& issuer_key,
                                     SignatureHash hash) const {
  if (!public_key_) fail(Errc::invalid_argument, "x509 builder: subject public key not set");
  return build(&issuer, issuer_key, hash);
}

CertificateBuilder& CertificateBuilder::extension(std::string oid, Bytes value, bool critical) {
  extensions_.push_back({std::move(oid), std::move(value), critical});
  return *this;
}

Certificate CertificateBuilder::build(const Certificate* issuer, const PrivateKey& key, SignatureHash hash) const {
  if (cn_.empty() && o_.empty() && ou_.empty() && c_.empty())
    fail(Errc::invalid_argument, "x509 builder: empty subject");
  EVP_PKEY* signing_pkey = internal::evp_pkey_of(key);
  X509* issuer_x = issuer ? X509Access::x509(*issuer) : nullptr;
  if (issuer_x && X509_check_private_key(issuer_x, signing_pkey) != 1) {
    ERR_clear_error();
    fail(Errc::invalid_argument, "x509 builder: key does not belong to the issuer certificate");
  }

  internal::X509Ptr x(X509_new());
  if (!x) internal::fail_ossl(Errc::crypto, "x509 builder: X509_new");
  check(X509_set_version(x.get(), X509_VERSION_3), "version");

  Bytes serial = serial_;
  if (serial.empty()) {
    // RFC 5280 §4.1.2.2: positive, at most 20 octets; 16 random bytes make it unpredictable.
    serial = random_bytes(16);
    serial[0] = static_cast<std::uint8_t>((serial[0] & 0x7F) | 0x40);
  }
  check(X509_set_serialNumber(x.get(), internal::integer_from_magnitude(serial).get()), "serialNumber");

  const auto now = std::chrono::system_clock::now();
  const TimePoint nb = not_before_.value_or(now - std::chrono::minutes(1));
  const TimePoint na = not_after_.value_or(now + std::chrono::hours(24 * 365));
  check(X509_set1_notBefore(x.get(), internal::to_asn1_time(nb).get()), "notBefore");
  check(X509_set1_notAfter(x.get(), internal::to_asn1_time(na).get()), "notAfter");

  internal::X509NamePtr name(X509_NAME_new());
  if (!name) internal::fail_ossl(Errc::crypto, "x509 builder: X509_NAME_new");
  auto add_entry = [&](int nid, const std::string& value) {
    if (value.empty()) return;
    if (value.size() > INT_MAX ||
        X509_NAME_add_entry_by_NID(name.get(), nid, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1)
      internal::fail_ossl(Errc::invalid_argument, std::string("x509 builder: bad ") + OBJ_nid2sn(nid));
  };
  add_entry(NID_countryName, c_);
  add_entry(NID_organizationName, o_);
  add_entry(NID_organizationalUnitName, ou_);
  add_entry(NID_commonName, cn_);
  check(X509_set_subject_name(x.get(), name.get()), "subject");
  check(X509_set_issuer_name(x.get(), issuer_x ? X509_get_subject_name(issuer_x) : name.get()), "issuer");

  const PublicKey subject_key = issuer ? *public_key_ : public_key_of(key);
  check(X509_set_pubkey(x.get(), internal::evp_pkey_of(subject_key)), "public key");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer_x ? issuer_x : x.get(), x.get(), nullptr, nullptr, 0);
  add_conf_ext(x.get(), &ctx, NID_basic_constraints,
               ca_ ? "critical,CA:TRUE" + (path_len_ ? ",pathlen:" + std::to_string(*path_len_) : std::string())
                   : std::string("critical,CA:FALSE"));
  const KeyUsage ku = key_usage_.value_or(ca_ ? KeyUsage::key_cert_sign | KeyUsage::crl_sign : KeyUsage::none);
  if (ku != KeyUsage::none) add_conf_ext(x.get(), &ctx, NID_key_usage, key_usage_conf(ku));
  if (eku_ != ExtendedKeyUsage::none) {
    std::string v;
    if (has(eku_, ExtendedKeyUsage::server_auth)) v += "serverAuth";
    if (has(eku_, ExtendedKeyUsage::client_auth)) v += v.empty() ? "clientAuth" : ",clientAuth";
    add_conf_ext(x.get(), &ctx, NID_ext_key_usage, v);
  }
  add_san(x.get(), dns_names_, ips_);
  for (const auto& e : extensions_) add_raw_ext(x.get(), e.oid, e.value, e.critical);
  // The subject key id first: a self-signed certificate's authority key id is taken from it.
  add_conf_ext(x.get(), &ctx, NID_subject_key_identifier, "hash");
  add_conf_ext(x.get(), &ctx, NID_authority_key_identifier, "keyid:always");

  if (X509_sign(x.get(), signing_pkey, internal::md_for(hash)) <= 0)
    internal::fail_ossl(Errc::crypto, "x509 builder: signing failed");
  // Re-decode so the returned object is exactly what a reader of the DER sees.
  return Certificate::from_der(internal::to_der<X509>(x.get(), i2d_X509, "x509"));
}

}  // namespace sesame::crypto
