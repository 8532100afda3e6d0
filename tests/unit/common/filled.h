// Deterministic test data: n bytes counting up from `seed` (wrapping at 256).
#pragma once

#include <cstddef>
#include <cstdint>

#include "util/bytes.h"

namespace sesame::test {

inline Bytes filled(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i);
  return b;
}

}  // namespace sesame::test
