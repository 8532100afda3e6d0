#include "crypto/random.h"

#include <openssl/rand.h>

#include <climits>

#include "util/error.h"

namespace sesame::crypto {

void random_fill(std::span<std::uint8_t> out) {
  if (out.empty()) return;
  if (out.size() > INT_MAX || RAND_bytes(out.data(), static_cast<int>(out.size())) != 1)
    fail(Errc::crypto, "random: RAND_bytes failed");
}

Bytes random_bytes(std::size_t n) {
  Bytes b(n);
  random_fill(b);
  return b;
}

SecureBytes random_secret(std::size_t n) {
  SecureBytes b(n);
  random_fill({b.data(), b.size()});
  return b;
}

}  // namespace sesame::crypto
