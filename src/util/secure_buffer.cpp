#include "util/secure_buffer.h"

namespace sesame {

void secure_zero(void* p, std::size_t n) noexcept {
  volatile auto* v = static_cast<volatile std::uint8_t*>(p);
  while (n--) *v++ = 0;
  // A compiler barrier so the stores above are not treated as dead.
  asm volatile("" : : "r"(p) : "memory");
}

bool secure_equal(ByteView a, ByteView b) noexcept {
  if (a.size() != b.size()) return false;
  volatile std::uint8_t acc = 0;
  for (std::size_t i = 0; i < a.size(); ++i) acc = acc | static_cast<std::uint8_t>(a[i] ^ b[i]);
  return acc == 0;
}

}  // namespace sesame
