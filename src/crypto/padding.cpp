#include "crypto/padding.h"

#include <algorithm>

#include "util/error.h"

namespace sesame::crypto {
namespace {

std::size_t padded_size(Iso9797Padding method, std::size_t n, std::size_t block) {
  if (block == 0) fail(Errc::invalid_argument, "padding: block size must not be 0");
  switch (method) {
    case Iso9797Padding::method1:
      if (n == 0) return block;  // a positive multiple of the block: empty data becomes one zero block
      return (n + block - 1) / block * block;
    case Iso9797Padding::method2: return (n / block + 1) * block;
  }
  fail(Errc::invalid_argument, "padding: unknown method");
}

template <typename Out>
Out pad(Iso9797Padding method, ByteView data, std::size_t block) {
  const std::size_t total = padded_size(method, data.size(), block);
  Out out(total);  // zero-filled
  std::copy(data.begin(), data.end(), out.data());
  if (method == Iso9797Padding::method2) out.data()[data.size()] = 0x80;
  return out;
}

// Length of the data before method 2 padding.
std::size_t unpadded_size(ByteView data, std::size_t block) {
  if (block == 0) fail(Errc::invalid_argument, "padding: block size must not be 0");
  if (data.empty() || data.size() % block != 0) fail(Errc::parse, "padding: not a whole number of blocks");
  std::size_t i = data.size();
  while (i > 0 && data[i - 1] == 0x00 && data.size() - i < block) --i;
  if (i == 0 || data[i - 1] != 0x80 || data.size() - i >= block)
    fail(Errc::parse, "padding: bad method 2 padding");
  return i - 1;
}

}  // namespace

Bytes iso9797_pad(Iso9797Padding method, ByteView data, std::size_t block_size) {
  return pad<Bytes>(method, data, block_size);
}

SecureBytes iso9797_pad(Iso9797Padding method, const SecureBytes& data, std::size_t block_size) {
  return pad<SecureBytes>(method, data.view(), block_size);
}

Bytes iso9797_unpad_method2(ByteView data, std::size_t block_size) {
  const std::size_t n = unpadded_size(data, block_size);
  return Bytes(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
}

SecureBytes iso9797_unpad_method2(const SecureBytes& data, std::size_t block_size) {
  return SecureBytes(data.view().first(unpadded_size(data.view(), block_size)));
}

}  // namespace sesame::crypto
