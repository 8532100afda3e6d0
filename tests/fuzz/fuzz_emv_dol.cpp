// The POS kernel's parsers of card data. The first byte chooses (modulo 4):
//   0  a DOL: parse it, build its related data from values taken from the input, read each back
//   1  an AFL            2  a PPSE FCI
//   3  a whole transaction against a scripted card: the rest is a sequence of responses, each a
//      2-byte length and that many bytes, answered to the kernel's commands in turn
// Invariants: parsers throw only sesame::Error; built DOL data has exactly the DOL's length and
// every value read back has its entry's length; run_transaction never throws.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "host/emv/kernel.h"
#include "iso7816/emv_dol.h"
#include "util/error.h"

using namespace sesame;

namespace {

[[noreturn]] void violation(const char* what) {
  std::fprintf(stderr, "fuzz_emv_dol: invariant violated: %s\n", what);
  std::abort();
}

class ScriptedReader final : public host::Reader {
 public:
  explicit ScriptedReader(ByteView script) : script_(script) {}
  std::string name() const override { return "scripted"; }
  Bytes connect() override { return {0x3B, 0x00}; }
  void disconnect() override {}
  Bytes reset(bool) override { return connect(); }
  Bytes transmit_raw(ByteView) override {
    if (script_.size() < 2) fail(Errc::io, "script exhausted");
    const std::size_t n = std::min<std::size_t>(get_u16(script_), script_.size() - 2);
    Bytes r(script_.begin() + 2, script_.begin() + 2 + static_cast<std::ptrdiff_t>(n));
    script_ = script_.subspan(2 + n);
    if (r.size() < 2) r = {0x6F, 0x00};
    return r;
  }

 private:
  ByteView script_;
};

const host::emv::TerminalConfig& terminal() {
  static const host::emv::TerminalConfig t = [] {
    host::emv::TerminalConfig c;
    c.ca_keys.push_back({{0xA0, 0x00, 0x00, 0x00, 0x04}, 0xF1, crypto::RsaPrivateKey::generate(1024, 3).public_key()});
    return c;
  }();
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView in(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      std::vector<iso7816::emv::DolEntry> dol;
      const std::size_t split = in.empty() ? 0 : in[0] % (in.size() + 1);
      try {
        dol = iso7816::emv::parse_dol(in.subspan(std::min<std::size_t>(1, in.size())).first(
            std::min(split, in.size() - std::min<std::size_t>(1, in.size()))));
      } catch (const Error&) {
        return 0;
      }
      const ByteView values = in.subspan(std::min(in.size(), split + 1));
      const Bytes built = iso7816::emv::build_dol_data(dol, [&](std::uint32_t tag) -> std::optional<Bytes> {
        if (values.empty() || (tag & 1)) return std::nullopt;
        return Bytes(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(values.size(), tag % 17)));
      });
      if (built.size() != iso7816::emv::dol_data_length(dol)) violation("DOL data length");
      for (const auto& e : dol) {
        const auto v = iso7816::emv::dol_value(dol, built, e.tag);
        if (!v) violation("a DOL entry's value is missing");
      }
      break;
    }
    case 1:
      try {
        for (const auto& e : iso7816::emv::parse_afl(in))
          if (e.sfi < 1 || e.sfi > 30 || e.first < 1 || e.last < e.first) violation("AFL entry accepted out of range");
      } catch (const Error&) {
      }
      break;
    case 2:
      try {
        for (const auto& e : host::emv::detail::parse_ppse(in))
          if (e.aid.size() < 5 || e.aid.size() > 16) violation("PPSE entry with a bad AID");
      } catch (const Error&) {
      }
      break;
    default: {
      ScriptedReader reader(in);
      host::emv::Transaction txn;
      txn.amount = 100;
      txn.date = "261207";
      txn.unpredictable_number = {1, 2, 3, 4};
      try {
        const auto o = host::emv::run_transaction(reader, terminal(), txn, [](const host::emv::AuthorisationRequest&) {
          return std::optional<host::emv::AuthorisationResponse>();
        });
        if (o.tvr.size() != 5) violation("TVR size");
      } catch (...) {
        violation("run_transaction threw");
      }
    }
  }
  return 0;
}
