// The HCE cache file (host/emv/hce_cache.h, HceCache::load): a JSON document the phone keeps. A cache
// that loads is then used for a whole purchase against a card that answers every command 9000
// with the input's bytes. Invariants: load throws only sesame::Error (Errc::parse) and leaves the
// cache empty when it does; run_transaction never throws.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "host/emv/hce_cache.h"
#include "host/emv/kernel.h"
#include "util/error.h"

using namespace sesame;

namespace {

[[noreturn]] void violation(const char* what) {
  std::fprintf(stderr, "fuzz_hce_cache: invariant violated: %s\n", what);
  std::abort();
}

class EchoLink final : public host::emv::CardLink {
 public:
  explicit EchoLink(ByteView data) : data_(data) {}
  std::string name() const override { return "echo"; }
  Bytes connect() override { return {0x3B, 0x00}; }
  void disconnect() override {}
  Bytes reset(bool) override { return {0x3B, 0x00}; }
  Result exchange(const std::vector<Command>& commands) override {
    Result r;
    for (std::size_t i = 0; i < commands.size(); ++i) {
      Bytes resp(data_.begin(), data_.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(data_.size(), 64)));
      resp.push_back(0x90);
      resp.push_back(0x00);
      r.responses.push_back(std::move(resp));
    }
    return r;
  }

 private:
  ByteView data_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView in(data, size);
  EchoLink link(in);
  host::emv::HceCache cache(link);
  try {
    cache.load(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const Error& e) {
    if (e.code() != Errc::parse) violation("load threw another code than parse");
    if (cache.filled()) violation("a refused cache stays filled");
    return 0;
  }
  try {
    host::emv::TerminalConfig terminal;
    host::emv::Transaction txn;
    txn.date = "261208";
    txn.amount = 100;
    (void)host::emv::run_transaction(cache, terminal, txn);
  } catch (...) {
    violation("run_transaction threw");
  }
  return 0;
}
