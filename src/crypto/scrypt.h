// scrypt (RFC 7914): the memory-hard password stretch. sesame uses it where a low-entropy secret
// (an activation code) must be turned into key material that an attacker holding the derived
// record can only attack offline at scrypt's memory and time cost per guess (SPAKE2+ registration).
#pragma once

#include <cstddef>
#include <cstdint>

#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::crypto {

struct ScryptParams {
  // Defaults: N = 2^15, r = 8, p = 1, i.e. 32 MiB of memory and ~0.1 s per derivation on one core
  // (RFC 7914 section 2 and the interactive-login parameters of Percival's paper).
  std::uint64_t n = std::uint64_t{1} << 15;  // CPU/memory cost, a power of two > 1
  std::uint32_t r = 8;                       // block size
  std::uint32_t p = 1;                       // parallelisation
};

// scrypt(password, salt, N, r, p, dkLen). The memory limit passed to OpenSSL is derived from the
// parameters (128·r·N·p plus slack). Throws Error(Errc::invalid_argument) for parameters OpenSSL
// refuses (N not a power of two, length 0), Error(Errc::crypto) if the derivation fails.
SecureBytes scrypt(ByteView password, ByteView salt, const ScryptParams& params, std::size_t length);

}  // namespace sesame::crypto
