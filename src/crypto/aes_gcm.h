// AES-GCM (128/192/256) authenticated encryption with a 12-byte IV and a 16-byte tag.
//
// Failures follow docs/DECISIONS.md D6: a tag that does not verify is a verification refusal,
// Error(Errc::crypto); a wrong key or IV length is Error(Errc::invalid_argument). Errc::integrity
// is for the store, which maps a refused tag to it (store/record_seal.h).
#pragma once

#include <memory>
#include <optional>
#include <span>

#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::crypto {

inline constexpr std::size_t kGcmIvSize = 12;
inline constexpr std::size_t kGcmTagSize = 16;

// Returns ciphertext || tag. Builds a context and expands the key on every call: for one key used
// many times, use AesGcmKey.
Bytes aes_gcm_encrypt(ByteView key, ByteView iv, ByteView aad, ByteView plaintext);

// Input is ciphertext || tag. Throws Error(Errc::crypto) when the tag does not verify (or the input
// is shorter than a tag); on failure no plaintext is returned.
SecureBytes aes_gcm_decrypt(ByteView key, ByteView iv, ByteView aad, ByteView ciphertext_and_tag);

// One AES-GCM key, validated and expanded once (key schedule and GHASH tables), then used for any
// number of messages. Thread-safe: every call runs on its own cipher context, taken from a small
// pool of contexts cloned from the prepared one, so concurrent calls never share OpenSSL state.
// The key bytes are not kept outside OpenSSL's context, which cleanses them when the key dies.
// A moved-from AesGcmKey may only be destroyed or assigned to.
class AesGcmKey {
 public:
  // key: 16, 24 or 32 bytes, else Error(Errc::invalid_argument).
  explicit AesGcmKey(ByteView key);
  ~AesGcmKey();
  AesGcmKey(AesGcmKey&&) noexcept;
  AesGcmKey& operator=(AesGcmKey&&) noexcept;
  AesGcmKey(const AesGcmKey&) = delete;
  AesGcmKey& operator=(const AesGcmKey&) = delete;

  // Returns ciphertext || tag.
  Bytes encrypt(ByteView iv, ByteView aad, ByteView plaintext) const;
  // Writes ciphertext || tag into out, which must be exactly plaintext.size() + kGcmTagSize bytes.
  void encrypt_into(ByteView iv, ByteView aad, ByteView plaintext, std::span<std::uint8_t> out) const;
  // nullopt when the tag does not verify or the input is shorter than a tag.
  std::optional<SecureBytes> try_decrypt(ByteView iv, ByteView aad, ByteView ciphertext_and_tag) const;
  // As try_decrypt, but throws Error(Errc::crypto) when the tag does not verify.
  SecureBytes decrypt(ByteView iv, ByteView aad, ByteView ciphertext_and_tag) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sesame::crypto
