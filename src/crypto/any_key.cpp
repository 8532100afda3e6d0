#include "crypto/any_key.h"

#include <openssl/pem.h>

#include <climits>

#include "crypto/internal/pkey.h"
#include "crypto/internal/x509.h"
#include "util/error.h"

namespace sesame::crypto {
namespace {

using internal::BioPtr;
using internal::EvpPkeyPtr;

PrivateKey private_key_from(EvpPkeyPtr pkey) {
  switch (internal::pkey_type(pkey.get())) {
    case EVP_PKEY_EC: return internal::ec_private_key_from(std::move(pkey));
    case EVP_PKEY_RSA: return internal::rsa_private_key_from(std::move(pkey));
    default: fail(Errc::crypto, "key: unsupported private key type");
  }
}

// Never prompt on a terminal for a passphrase: encrypted PEM is refused.
int no_passphrase(char*, int, int, void*) { return 0; }

}  // namespace

PublicKey public_key_of(const PrivateKey& key) {
  return std::visit([](const auto& k) -> PublicKey { return k.public_key(); }, key);
}

PublicKey public_key_from_spki_der(ByteView der) { return internal::public_key_from(internal::decode_spki(der)); }

Bytes public_key_to_spki_der(const PublicKey& key) {
  return std::visit([](const auto& k) { return k.to_spki_der(); }, key);
}

PublicKey public_key_from_pem(std::string_view pem) {
  const auto blocks = internal::pem_blocks(pem, "PUBLIC KEY");
  if (blocks.size() != 1) fail(Errc::parse, "key: expected exactly one PUBLIC KEY block");
  return public_key_from_spki_der(blocks.front());
}

std::string public_key_to_pem(const PublicKey& key) {
  return internal::to_pem(public_key_to_spki_der(key), "PUBLIC KEY");
}

PrivateKey private_key_from_pkcs8_der(ByteView der) { return private_key_from(internal::decode_pkcs8(der)); }

SecureBytes private_key_to_pkcs8_der(const PrivateKey& key) {
  return std::visit([](const auto& k) { return k.to_pkcs8_der(); }, key);
}

PrivateKey private_key_from_pem(const SecureBytes& pem) {
  if (pem.size() > INT_MAX) fail(Errc::parse, "key: PEM too large");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) internal::fail_ossl(Errc::crypto, "key: BIO_new_mem_buf");
  // OpenSSL decodes PEM private keys into its secure (cleared-on-free) memory.
  EvpPkeyPtr pkey(PEM_read_bio_PrivateKey_ex(bio.get(), nullptr, no_passphrase, nullptr, nullptr, nullptr));
  if (!pkey) internal::fail_ossl(Errc::parse, "key: no readable unencrypted private key in PEM");
  ERR_clear_error();
  return private_key_from(std::move(pkey));
}

SecureBytes private_key_to_pem(const PrivateKey& key) {
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio) internal::fail_ossl(Errc::crypto, "key: BIO_new");
  if (PEM_write_bio_PKCS8PrivateKey(bio.get(), internal::evp_pkey_of(key), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    internal::fail_ossl(Errc::crypto, "key: cannot write PKCS#8 PEM");
  char* p = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &p);
  if (n <= 0) fail(Errc::crypto, "key: cannot write PKCS#8 PEM");
  return SecureBytes(ByteView(reinterpret_cast<const std::uint8_t*>(p), static_cast<std::size_t>(n)));
}

}  // namespace sesame::crypto
