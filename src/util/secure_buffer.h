// Zeroizing storage for secrets (keys, PINs, session keys) and constant-time comparison.
// Getting raw bytes out of a SecureBytes is an explicit, greppable call: reveal().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "util/bytes.h"

namespace sesame {

// Overwrites memory in a way the optimiser may not remove.
void secure_zero(void* p, std::size_t n) noexcept;

// Constant-time equality: the time depends only on the lengths, never on the contents.
bool secure_equal(ByteView a, ByteView b) noexcept;

template <typename T>
struct ZeroizingAllocator {
  using value_type = T;
  ZeroizingAllocator() noexcept = default;
  template <typename U>
  ZeroizingAllocator(const ZeroizingAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    secure_zero(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <typename U>
  bool operator==(const ZeroizingAllocator<U>&) const noexcept { return true; }
};

// A secret byte string. Copies are zeroized when they die; growth reallocations zeroize the old block.
class SecureBytes {
 public:
  SecureBytes() = default;
  explicit SecureBytes(std::size_t n) : v_(n) {}
  explicit SecureBytes(ByteView b) : v_(b.begin(), b.end()) {}
  SecureBytes(std::initializer_list<std::uint8_t> il) : v_(il) {}

  std::size_t size() const noexcept { return v_.size(); }
  bool empty() const noexcept { return v_.empty(); }
  void resize(std::size_t n) { v_.resize(n); }
  void clear() noexcept {
    secure_zero(v_.data(), v_.size());
    v_.clear();
  }
  void append(ByteView b) { v_.insert(v_.end(), b.begin(), b.end()); }
  void push_back(std::uint8_t b) { v_.push_back(b); }

  // The explicit ways out. Prefer view() for passing to crypto; copy_out() leaves the secret zone.
  ByteView view() const noexcept { return {v_.data(), v_.size()}; }
  std::uint8_t* data() noexcept { return v_.data(); }
  const std::uint8_t* data() const noexcept { return v_.data(); }
  Bytes reveal() const { return Bytes(v_.begin(), v_.end()); }

  bool operator==(const SecureBytes& o) const noexcept { return secure_equal(view(), o.view()); }

 private:
  std::vector<std::uint8_t, ZeroizingAllocator<std::uint8_t>> v_;
};

// Text that may hold secrets (a RACS request line with a VERIFY APDU). Freed blocks are zeroized.
using SecureString = std::basic_string<char, std::char_traits<char>, ZeroizingAllocator<char>>;

// Zeroizes all of `s`, its spare capacity and short-string buffer included, and empties it.
template <typename String>
void wipe(String& s) noexcept {
  s.resize(s.capacity());  // never reallocates: makes every byte of the buffer addressable
  secure_zero(s.data(), s.size());
  s.clear();
}

}  // namespace sesame
