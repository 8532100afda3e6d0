// SHA-1 and SHA-2 message digests: one-shot and incremental.
#pragma once

#include <cstddef>
#include <memory>

#include "util/bytes.h"

namespace sesame::crypto {

// SHA-1 and SHA-224 remain for what older passports, cards and certificates carry.
enum class HashAlg { sha1, sha224, sha256, sha384, sha512 };

// Digest length in bytes (20, 28, 32, 48, 64).
std::size_t digest_size(HashAlg alg);

Bytes hash(HashAlg alg, ByteView data);
inline Bytes sha1(ByteView data) {
  return hash(HashAlg::sha1, data);
}
inline Bytes sha224(ByteView data) {
  return hash(HashAlg::sha224, data);
}
inline Bytes sha256(ByteView data) {
  return hash(HashAlg::sha256, data);
}
inline Bytes sha384(ByteView data) {
  return hash(HashAlg::sha384, data);
}
inline Bytes sha512(ByteView data) {
  return hash(HashAlg::sha512, data);
}

// Incremental hashing for data that arrives in pieces (e.g. a file read in chunks).
// finish() returns the digest and leaves the Hasher ready to hash a new message.
class Hasher {
 public:
  explicit Hasher(HashAlg alg);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  Hasher& update(ByteView data);
  Bytes finish();
  HashAlg alg() const noexcept { return alg_; }

 private:
  struct Ctx;
  HashAlg alg_;
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace sesame::crypto
