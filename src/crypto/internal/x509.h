// Internal to src/crypto: smart pointers for the OpenSSL handles of the X.509, CRL, trust store,
// certificate builder and CMS code, the accessors that reach the X509 / X509_CRL inside a
// Certificate / Crl, and helpers those .cpp files share. Never include from another layer.
#pragma once

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/any_key.h"
#include "crypto/crl.h"
#include "crypto/internal/pkey.h"
#include "crypto/signature_hash.h"
#include "crypto/x509.h"
#include "util/bytes.h"
#include "util/error.h"

namespace sesame::crypto::internal {

template <typename T, void (*F)(T*)>
struct OsslDeleter {
  void operator()(T* p) const noexcept { F(p); }
};
template <typename T, void (*F)(T*)>
using OsslPtr = std::unique_ptr<T, OsslDeleter<T, F>>;

inline void bio_free(BIO* b) { BIO_free(b); }
inline void sk_x509_pop_free(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
inline void sk_x509_crl_pop_free(STACK_OF(X509_CRL) * s) { sk_X509_CRL_pop_free(s, X509_CRL_free); }
inline void sk_general_name_pop_free(GENERAL_NAMES* s) { sk_GENERAL_NAME_pop_free(s, GENERAL_NAME_free); }
inline void openssl_free(unsigned char* p) { OPENSSL_free(p); }
inline void openssl_free_char(char* p) { OPENSSL_free(p); }

using X509Ptr = OsslPtr<X509, X509_free>;
using X509CrlPtr = OsslPtr<X509_CRL, X509_CRL_free>;
using X509RevokedPtr = OsslPtr<X509_REVOKED, X509_REVOKED_free>;
using X509StorePtr = OsslPtr<X509_STORE, X509_STORE_free>;
using X509StoreCtxPtr = OsslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using X509NamePtr = OsslPtr<X509_NAME, X509_NAME_free>;
using X509ExtPtr = OsslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using BioPtr = OsslPtr<BIO, bio_free>;
using CmsPtr = OsslPtr<CMS_ContentInfo, CMS_ContentInfo_free>;
using X509StackPtr = OsslPtr<STACK_OF(X509), sk_x509_pop_free>;
using X509CrlStackPtr = OsslPtr<STACK_OF(X509_CRL), sk_x509_crl_pop_free>;
using GeneralNamesPtr = OsslPtr<GENERAL_NAMES, sk_general_name_pop_free>;
using BasicConstraintsPtr = OsslPtr<BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free>;
using AsnIntegerPtr = OsslPtr<ASN1_INTEGER, ASN1_INTEGER_free>;
using AsnTimePtr = OsslPtr<ASN1_TIME, ASN1_TIME_free>;
using AsnOctetStringPtr = OsslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using AsnObjectPtr = OsslPtr<ASN1_OBJECT, ASN1_OBJECT_free>;
using BignumPtr = OsslPtr<BIGNUM, BN_free>;
using EcdsaSigPtr = OsslPtr<ECDSA_SIG, ECDSA_SIG_free>;
using MdCtxPtr = OsslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using OsslBytesPtr = OsslPtr<unsigned char, openssl_free>;
using OsslCharPtr = OsslPtr<char, openssl_free_char>;

// The reason of the most recent OpenSSL error (no key material ever appears in these), and clears
// the queue so a later failure does not report a stale reason.
inline std::string ossl_reason() {
  const unsigned long e = ERR_peek_last_error();
  std::string r;
  if (e != 0) {
    const char* s = ERR_reason_error_string(e);
    r = s ? s : "error " + std::to_string(e);
  }
  ERR_clear_error();
  return r.empty() ? std::string("unknown") : r;
}

[[noreturn]] inline void fail_ossl(Errc code, const std::string& what) {
  fail(code, what + " (" + ossl_reason() + ")");
}

inline BioPtr mem_bio(ByteView data) {
  BioPtr b(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!b) fail_ossl(Errc::crypto, "BIO_new_mem_buf");
  return b;
}

inline BioPtr empty_mem_bio() {
  BioPtr b(BIO_new(BIO_s_mem()));
  if (!b) fail_ossl(Errc::crypto, "BIO_new");
  return b;
}

inline Bytes bio_contents(BIO* b) {
  char* p = nullptr;
  const long n = BIO_get_mem_data(b, &p);
  if (n < 0) fail(Errc::crypto, "BIO_get_mem_data");
  return Bytes(reinterpret_cast<const std::uint8_t*>(p), reinterpret_cast<const std::uint8_t*>(p) + n);
}

// Serialises any i2d_* encodable object.
template <typename T>
Bytes to_der(const T* obj, int (*i2d)(const T*, unsigned char**), const char* what) {
  unsigned char* out = nullptr;
  const int n = i2d(obj, &out);
  if (n <= 0) fail_ossl(Errc::crypto, std::string(what) + ": DER encoding failed");
  OsslBytesPtr guard(out);
  return Bytes(out, out + n);
}

// Every PEM block labelled `label` ("CERTIFICATE", "X509 CRL"), decoded, in order. Blocks with other
// labels are skipped. Error(Errc::parse) for a malformed block.
std::vector<Bytes> pem_blocks(std::string_view pem, const char* label);
std::string to_pem(ByteView der, const char* label);

TimePoint from_asn1_time(const ASN1_TIME* t);
AsnTimePtr to_asn1_time(TimePoint t);
// Big-endian magnitude <-> ASN1_INTEGER (a positive INTEGER).
Bytes integer_magnitude(const ASN1_INTEGER* i);
AsnIntegerPtr integer_from_magnitude(ByteView magnitude);
// RFC 2253 form, UTF-8 kept as is.
std::string name_to_string(const X509_NAME* name);

const EVP_MD* md_for(SignatureHash hash);
EVP_PKEY* evp_pkey_of(const PrivateKey& key) noexcept;
EVP_PKEY* evp_pkey_of(const PublicKey& key) noexcept;
// Wraps a decoded EC or RSA public key (Error(Errc::crypto) for another type).
PublicKey public_key_from(EvpPkeyPtr pkey);

}  // namespace sesame::crypto::internal

namespace sesame::crypto {

struct Certificate::Impl {
  internal::X509Ptr x509;
};

struct Crl::Impl {
  internal::X509CrlPtr crl;
};

}  // namespace sesame::crypto

namespace sesame::crypto::internal {

// Reaches the OpenSSL objects inside Certificate and Crl. The pointers stay valid while the object
// (or a copy) lives; they are non-const only because OpenSSL's verification APIs take X509*.
struct X509Access {
  static X509* x509(const Certificate& c) noexcept { return c.impl_->x509.get(); }
  static X509_CRL* crl(const Crl& c) noexcept { return c.impl_->crl.get(); }
  // Takes ownership and applies the checks of Certificate::from_der (well-formed extensions).
  static Certificate make_certificate(X509Ptr x);
  static Crl make_crl(X509CrlPtr c);
};

}  // namespace sesame::crypto::internal
