#include "crypto/cms.h"

#include <algorithm>
#include <climits>

#include "crypto/internal/x509.h"
#include "util/error.h"

namespace sesame::crypto {
namespace {

using internal::X509Access;

std::string oid_text(const ASN1_OBJECT* obj) {
  char buf[128];
  const int n = OBJ_obj2txt(buf, sizeof buf, obj, 1);
  if (n <= 0 || n >= static_cast<int>(sizeof buf)) fail(Errc::parse, "cms: bad OID");
  return std::string(buf, static_cast<std::size_t>(n));
}

internal::AsnObjectPtr oid_object(const std::string& dotted) {
  internal::AsnObjectPtr obj(OBJ_txt2obj(dotted.c_str(), 1));  // 1: numeric form only
  if (!obj) {
    ERR_clear_error();
    fail(Errc::invalid_argument, "cms: not a dotted OID: " + dotted);
  }
  return obj;
}

void sk_x509_push_ref(STACK_OF(X509) * sk, X509* x) {
  if (!X509_up_ref(x)) internal::fail_ossl(Errc::crypto, "cms: X509_up_ref");
  if (!sk_X509_push(sk, x)) {
    X509_free(x);
    internal::fail_ossl(Errc::crypto, "cms: out of memory");
  }
}

// RFC 5652 §5.3 and §11.1: with signed attributes, contentType must be present and name the
// eContentType; without them, eContentType must be id-data.
void check_content_type_attribute(CMS_SignerInfo* si, const ASN1_OBJECT* econtent_type) {
  if (CMS_signed_get_attr_count(si) < 0) {
    if (OBJ_obj2nid(econtent_type) != NID_pkcs7_data)
      fail(Errc::crypto, "cms: signed attributes missing for a non-data content type");
    return;
  }
  const auto* attr = static_cast<const ASN1_OBJECT*>(
      CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_contentType), -3, V_ASN1_OBJECT));
  if (attr == nullptr) fail(Errc::crypto, "cms: contentType attribute missing");
  if (OBJ_cmp(attr, econtent_type) != 0) fail(Errc::crypto, "cms: contentType attribute does not match eContentType");
}

}  // namespace

Bytes cms_sign(ByteView content, const Certificate& signer, const PrivateKey& key, const CmsSignOptions& options) {
  if (content.size() > INT_MAX) fail(Errc::invalid_argument, "cms: content too large");
  X509* signer_x = X509Access::x509(signer);
  EVP_PKEY* pkey = internal::evp_pkey_of(key);
  if (X509_check_private_key(signer_x, pkey) != 1) {
    ERR_clear_error();
    fail(Errc::invalid_argument, "cms: key does not belong to the signer certificate");
  }
  const internal::AsnObjectPtr content_type = oid_object(options.content_type);

  const unsigned int flags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP | (options.detached ? CMS_DETACHED : 0u);
  // An empty SignedData to which the one signer is added with the chosen digest.
  internal::CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, flags));
  if (!cms) internal::fail_ossl(Errc::crypto, "cms: CMS_sign");
  const unsigned int signer_flags = flags | (options.include_signer_certificate ? 0u : CMS_NOCERTS);
  if (!CMS_add1_signer(cms.get(), signer_x, pkey, internal::md_for(options.hash), signer_flags))
    internal::fail_ossl(Errc::crypto, "cms: cannot add signer");
  // OpenSSL refuses a certificate twice; a caller passing the signer or a duplicate means "include it".
  std::vector<const Certificate*> added;
  for (const auto& c : options.extra_certificates) {
    if (options.include_signer_certificate && c == signer) continue;
    if (std::any_of(added.begin(), added.end(), [&](const Certificate* a) { return *a == c; })) continue;
    if (CMS_add1_cert(cms.get(), X509Access::x509(c)) != 1) internal::fail_ossl(Errc::crypto, "cms: cannot add certificate");
    added.push_back(&c);
  }
  if (CMS_set1_eContentType(cms.get(), content_type.get()) != 1)
    internal::fail_ossl(Errc::crypto, "cms: cannot set eContentType");
  internal::BioPtr data = internal::mem_bio(content);
  if (CMS_final(cms.get(), data.get(), nullptr, flags) != 1) internal::fail_ossl(Errc::crypto, "cms: signing failed");
  return internal::to_der<CMS_ContentInfo>(cms.get(), i2d_CMS_ContentInfo, "cms");
}

CmsVerified cms_verify(ByteView der, std::optional<ByteView> detached_content, std::span<const Certificate> candidates) {
  if (der.empty() || der.size() > LONG_MAX) fail(Errc::parse, "cms: empty");
  const unsigned char* p = der.data();
  internal::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  if (!cms) internal::fail_ossl(Errc::parse, "cms: malformed ContentInfo");
  if (p != der.data() + der.size()) fail(Errc::parse, "cms: trailing bytes after ContentInfo");
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) fail(Errc::parse, "cms: not SignedData");

  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
  if (sk_CMS_SignerInfo_num(infos) != 1) fail(Errc::crypto, "cms: expected exactly one signer");
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);

  const bool detached = CMS_is_detached(cms.get()) == 1;
  if (detached != detached_content.has_value())
    fail(Errc::invalid_argument, detached ? "cms: detached content required" : "cms: content is embedded, none expected");
  if (detached && detached_content->size() > INT_MAX) fail(Errc::invalid_argument, "cms: content too large");

  internal::X509StackPtr extra(sk_X509_new_null());
  if (!extra) internal::fail_ossl(Errc::crypto, "cms: out of memory");
  for (const auto& c : candidates) sk_x509_push_ref(extra.get(), X509Access::x509(c));

  internal::BioPtr dcont;
  if (detached) dcont = internal::mem_bio(*detached_content);
  internal::BioPtr out = internal::empty_mem_bio();
  // The signer's chain is validated separately (TrustStore); here only the signature is checked.
  const unsigned int flags = CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY;
  if (CMS_verify(cms.get(), extra.get(), nullptr, dcont.get(), out.get(), flags) != 1) {
    const unsigned long e = ERR_peek_last_error();
    if (ERR_GET_LIB(e) == ERR_LIB_CMS && ERR_GET_REASON(e) == CMS_R_SIGNER_CERTIFICATE_NOT_FOUND) {
      ERR_clear_error();
      fail(Errc::crypto, "cms: signer certificate not found");
    }
    internal::fail_ossl(Errc::crypto, "cms: signature does not verify");
  }
  check_content_type_attribute(si, CMS_get0_eContentType(cms.get()));

  X509* signer_x = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, &signer_x, nullptr, nullptr);
  if (signer_x == nullptr || !X509_up_ref(signer_x)) fail(Errc::crypto, "cms: signer certificate not found");
  Certificate signer = X509Access::make_certificate(internal::X509Ptr(signer_x));

  std::vector<Certificate> certs;
  internal::X509StackPtr all(CMS_get1_certs(cms.get()));
  for (int i = 0; all && i < sk_X509_num(all.get()); ++i) {
    X509* x = sk_X509_value(all.get(), i);
    if (!X509_up_ref(x)) internal::fail_ossl(Errc::crypto, "cms: X509_up_ref");
    certs.push_back(X509Access::make_certificate(internal::X509Ptr(x)));
  }
  ERR_clear_error();
  return {oid_text(CMS_get0_eContentType(cms.get())), internal::bio_contents(out.get()), std::move(signer), std::move(certs)};
}

}  // namespace sesame::crypto
