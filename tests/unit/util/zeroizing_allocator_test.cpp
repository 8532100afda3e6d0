// ZeroizingAllocator (docs/THREATS.md RT-16): the vector type SecureBytes is built on wipes a
// block when it is freed and when growth moves the contents to a new block, spare capacity
// included.
//
// How the block is observed without reading freed memory: ZeroizingAllocator<T> hands the
// block back through std::allocator<T>. For a program-defined T the standard allows a
// specialization of std::allocator ([namespace.std]), so the test gives one for `Octet` (a
// one-byte type like SecureBytes' uint8_t) that serves blocks from an arena the test owns and,
// when a block comes back, copies its bytes as they are at that moment. The arena is never
// released to the heap during the test, so reading it after deallocate is defined.
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

#include "util/secure_buffer.h"

namespace sesame::test_arena {

enum class Octet : std::uint8_t {};

struct Arena {
  static constexpr std::size_t kSize = 4096;
  alignas(std::max_align_t) std::array<std::uint8_t, kSize> bytes{};
  std::size_t used = 0;
  struct Freed {
    std::size_t offset, size;
    std::vector<std::uint8_t> contents;  // the block as it was when it came back
  };
  std::vector<Freed> freed;

  void reset() {
    bytes.fill(0xC5);  // uninitialised spare capacity is not zero already
    used = 0;
    freed.clear();
  }
};

inline Arena& arena() {
  static Arena a;
  return a;
}

}  // namespace sesame::test_arena

// The specialization ZeroizingAllocator<Octet> allocates through.
template <>
struct std::allocator<sesame::test_arena::Octet> {
  using value_type = sesame::test_arena::Octet;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using is_always_equal = std::true_type;
  using propagate_on_container_move_assignment = std::true_type;
  allocator() noexcept = default;
  template <class U>
  allocator(const allocator<U>&) noexcept {}

  value_type* allocate(std::size_t n) {
    auto& a = sesame::test_arena::arena();
    if (n > a.kSize - a.used) throw std::bad_alloc();
    auto* p = reinterpret_cast<value_type*>(a.bytes.data() + a.used);
    a.used += n;
    return p;
  }
  void deallocate(value_type* p, std::size_t n) noexcept {
    auto& a = sesame::test_arena::arena();
    const auto* b = reinterpret_cast<const std::uint8_t*>(p);
    a.freed.push_back({static_cast<std::size_t>(b - a.bytes.data()), n, std::vector<std::uint8_t>(b, b + n)});
  }
  friend bool operator==(const allocator&, const allocator&) noexcept { return true; }
};

namespace sesame {
namespace {

using test_arena::Octet;
using OctetVector = std::vector<Octet, ZeroizingAllocator<Octet>>;

bool all_zero(const std::vector<std::uint8_t>& v) {
  for (auto b : v)
    if (b != 0) return false;
  return true;
}

class ZeroizingAllocatorTest : public ::testing::Test {
 protected:
  void SetUp() override { test_arena::arena().reset(); }
  test_arena::Arena& a = test_arena::arena();
};

TEST_F(ZeroizingAllocatorTest, FreedBlockIsWipedWholeCapacity) {
  {
    OctetVector v;
    v.reserve(64);
    for (int i = 0; i < 40; ++i) v.push_back(static_cast<Octet>(0xA0 + i));
    ASSERT_EQ(a.used, 64u);
    // The block holds the secret now (the control that makes the check below meaningful).
    EXPECT_EQ(a.bytes[0], 0xA0);
    EXPECT_EQ(a.bytes[39], 0xA0 + 39);
    EXPECT_EQ(a.bytes[40], 0xC5) << "spare capacity still holds the arena's filler";
  }
  ASSERT_EQ(a.freed.size(), 1u);
  EXPECT_EQ(a.freed[0].offset, 0u);
  EXPECT_EQ(a.freed[0].size, 64u);
  EXPECT_TRUE(all_zero(a.freed[0].contents)) << "every byte of the block, spare capacity too";
}

TEST_F(ZeroizingAllocatorTest, GrowthWipesTheBlockItLeaves) {
  OctetVector v;
  v.reserve(8);
  for (int i = 0; i < 8; ++i) v.push_back(static_cast<Octet>(0x11 * (i + 1)));
  v.push_back(Octet{0x99});  // past capacity: moves to a larger block
  ASSERT_EQ(a.freed.size(), 1u);
  EXPECT_EQ(a.freed[0].offset, 0u);
  EXPECT_EQ(a.freed[0].size, 8u);
  EXPECT_TRUE(all_zero(a.freed[0].contents)) << "the old block still held the secret when it moved";
  ASSERT_EQ(v.size(), 9u);
  EXPECT_EQ(v[0], Octet{0x11});
  EXPECT_EQ(v[8], Octet{0x99});
  v.shrink_to_fit();  // another move (9 bytes), wiping the 16-byte block
  v.resize(1000);
  v.clear();
  v.shrink_to_fit();
  for (const auto& f : a.freed) EXPECT_TRUE(all_zero(f.contents)) << "block at " << f.offset << " size " << f.size;
  EXPECT_GE(a.freed.size(), 3u);
}

TEST_F(ZeroizingAllocatorTest, CopiesAndAssignmentsWipeTheirBlocksToo) {
  {
    OctetVector v(16, Octet{0x5E});
    OctetVector copy = v;
    OctetVector other(4, Octet{0x7A});
    other = v;  // may reuse or replace other's block
    copy.assign(100, Octet{0x3C});
  }
  ASSERT_GE(a.freed.size(), 4u);
  for (const auto& f : a.freed) EXPECT_TRUE(all_zero(f.contents)) << "block at " << f.offset << " size " << f.size;
}

// SecureString is built on this allocator; SecureBytes' vector is private, so its size is what the
// type system can confirm here.
static_assert(std::is_same_v<SecureString::allocator_type, ZeroizingAllocator<char>>);
static_assert(sizeof(SecureBytes) == sizeof(std::vector<std::uint8_t, ZeroizingAllocator<std::uint8_t>>));

}  // namespace
}  // namespace sesame
