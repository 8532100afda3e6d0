#include "store/manifest.h"

#include "util/error.h"

namespace sesame::store {
namespace {

constexpr std::uint8_t kMagic[4] = {'S', 'M', 'F', '1'};

void put_u64(SecureBytes& out, std::uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}

class Reader {
 public:
  Reader(ByteView b, const std::string& card_id) : b_(b), card_id_(card_id) {}
  std::uint64_t uint(std::size_t n) {
    need(n);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | b_[pos_ + i];
    pos_ += n;
    return v;
  }
  ByteView take(std::size_t n) {
    need(n);
    ByteView v = b_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  bool done() const { return pos_ == b_.size(); }
  [[noreturn]] void bad() const { fail(Errc::integrity, "store: malformed manifest of card '" + card_id_ + "'"); }

 private:
  void need(std::size_t n) const {
    if (b_.size() - pos_ < n) bad();
  }
  ByteView b_;
  const std::string& card_id_;
  std::size_t pos_ = 0;
};

}  // namespace

SecureBytes encode_manifest(const Manifest& m) {
  SecureBytes out;
  out.append(ByteView(kMagic, sizeof kMagic));
  put_u64(out, m.counter);
  auto n = static_cast<std::uint32_t>(m.versions.size());
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(n >> s));
  for (const auto& [key, version] : m.versions) {
    if (key.size() > 0xFFFF) fail(Errc::invalid_argument, "store: record key too long");
    out.push_back(static_cast<std::uint8_t>(key.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(key.size()));
    out.append(as_bytes(key));
    put_u64(out, version);
  }
  return out;
}

Manifest decode_manifest(ByteView b, const std::string& card_id) {
  Reader r(b, card_id);
  ByteView magic = r.take(4);
  if (!std::equal(magic.begin(), magic.end(), kMagic)) r.bad();
  Manifest m;
  m.counter = r.uint(8);
  std::uint64_t n = r.uint(4);
  for (std::uint64_t i = 0; i < n; ++i) {
    ByteView k = r.take(r.uint(2));
    std::uint64_t version = r.uint(8);
    if (version > m.counter) r.bad();  // a record cannot be newer than the commit counter
    if (!m.versions.emplace(std::string(k.begin(), k.end()), version).second) r.bad();
  }
  if (!r.done()) r.bad();
  return m;
}

}  // namespace sesame::store
