// The DER codecs and context helper of internal/pkey.h, shared by the EC and RSA key classes.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <climits>

#include "crypto/internal/pkey.h"
#include "util/error.h"

namespace sesame::crypto::internal {
namespace {

struct P8Free {
  void operator()(PKCS8_PRIV_KEY_INFO* p) const noexcept { PKCS8_PRIV_KEY_INFO_free(p); }
};
using P8Ptr = std::unique_ptr<PKCS8_PRIV_KEY_INFO, P8Free>;

}  // namespace

EvpPkeyCtxPtr new_pkey_ctx(EVP_PKEY* pkey) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx) fail(Errc::crypto, "pkey: cannot create operation context");
  return ctx;
}

EvpPkeyPtr decode_spki(ByteView der) {
  if (der.empty() || der.size() > INT_MAX) fail(Errc::parse, "pkey: malformed SubjectPublicKeyInfo");
  const unsigned char* p = der.data();
  EvpPkeyPtr pkey(d2i_PUBKEY_ex(nullptr, &p, static_cast<long>(der.size()), nullptr, nullptr));
  if (!pkey || p != der.data() + der.size()) fail(Errc::parse, "pkey: malformed SubjectPublicKeyInfo");
  return pkey;
}

Bytes encode_spki(EVP_PKEY* pkey) {
  const int n = i2d_PUBKEY(pkey, nullptr);
  if (n <= 0) fail(Errc::crypto, "pkey: cannot encode SubjectPublicKeyInfo");
  Bytes out(static_cast<std::size_t>(n));
  unsigned char* q = out.data();
  if (i2d_PUBKEY(pkey, &q) != n) fail(Errc::crypto, "pkey: cannot encode SubjectPublicKeyInfo");
  return out;
}

EvpPkeyPtr decode_pkcs8(ByteView der) {
  if (der.empty() || der.size() > INT_MAX) fail(Errc::parse, "pkey: malformed PKCS#8");
  const unsigned char* p = der.data();
  P8Ptr p8(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));
  if (!p8 || p != der.data() + der.size()) fail(Errc::parse, "pkey: malformed PKCS#8");
  EvpPkeyPtr pkey(EVP_PKCS82PKEY_ex(p8.get(), nullptr, nullptr));
  if (!pkey) fail(Errc::parse, "pkey: malformed PKCS#8 key");
  return pkey;
}

SecureBytes encode_pkcs8(EVP_PKEY* pkey) {
  P8Ptr p8(EVP_PKEY2PKCS8(pkey));
  if (!p8) fail(Errc::crypto, "pkey: cannot encode PKCS#8");
  const int n = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), nullptr);
  if (n <= 0) fail(Errc::crypto, "pkey: cannot encode PKCS#8");
  // Encoded straight into zeroizing memory: no plain heap copy of the key.
  SecureBytes out(static_cast<std::size_t>(n));
  unsigned char* q = out.data();
  if (i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &q) != n) fail(Errc::crypto, "pkey: cannot encode PKCS#8");
  return out;
}

}  // namespace sesame::crypto::internal
