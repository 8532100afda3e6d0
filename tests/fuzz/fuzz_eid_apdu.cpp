// The eID applet's command parsing (MSE:Set AT / KAT, GENERAL AUTHENTICATE '7C' data, SELECT,
// READ BINARY, RESET RETRY COUNTER), plain and under secure messaging, on a fresh hosted card per
// input. Input: one flags byte, then commands as [length byte][bytes]:
//   flags bit 0: run a genuine PACE with the CAN first (our terminal, host/eid);
//   flags bit 1: with bit 0, wrap each parseable plain command in that SM session (so the fuzzed
//                bytes reach the applet's parsers behind secure messaging);
// Invariants: nothing throws out of transmit; every answer has SW1 61..6F or 90..9F; DG1, DG13 and
// EF.SOD are never read without Chip Authentication (a plain READ BINARY of them never succeeds);
// the PIN retry counter never exceeds 3 (the card reloads from the store afterwards).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

#include "card_world.h"
#include "applets/builtin.h"
#include "applets/eid/eid_applet.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "host/eid/eid_terminal.h"
#include "host/in_process_reader.h"
#include "iso7816/apdu.h"
#include "iso7816/pace.h"
#include "store/memory_store.h"
#include "util/error.h"
#include "util/tlv.h"

using namespace sesame;

namespace {

[[noreturn]] void violation(const char* what) { fuzz::violation("fuzz_eid_apdu", what); }

constexpr const char* kSeid = "fuzz-eid";

using World = fuzz::CardWorld;
World& world() { return fuzz::card_world(); }

Bytes install_params() {
  namespace a = applets::eid;
  Bytes p;
  append_tlv(p, a::kTagPin, as_bytes("123456"));
  append_tlv(p, a::kTagCan, as_bytes("500540"));
  append_tlv(p, a::kTagPuk, as_bytes("12345678"));
  append_tlv(p, a::kTagMrz, as_bytes("T22000129640812101031"));
  Bytes f{0x01, 0x01};
  append_tlv(p, a::kTagFile, concat({tlv_encode(0x83, f), tlv_encode(0x53, Bytes{0x61, 0x01, 0x00})}));
  return p;
}

void check(const Bytes& r) {
  if (r.size() < 2) violation("response shorter than SW1 SW2");
  const std::uint8_t sw1 = r[r.size() - 2];
  if (!((sw1 >= 0x61 && sw1 <= 0x6F) || (sw1 >= 0x90 && sw1 <= 0x9F)))
    violation("SW1 outside 61..6F, 90..9F");
}

bool protected_file_read(const iso7816::CommandApdu& c) {
  if (c.ins != 0xB0 || c.secure_messaging() || !(c.p1 & 0x80)) return false;
  const int sfi = c.p1 & 0x1F;
  return sfi == 0x01 || sfi == 0x0D || sfi == 0x1D;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  World& w = world();
  const Bytes aid = applets::eid::module().default_instance_aid;
  try {
    w.service.create_card({kSeid, "fuzz"});
    w.service.install_applet(kSeid, applets::eid::kModuleName, aid, install_params());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_eid_apdu: setup failed: %s\n", e.what());
    std::abort();
  }
  host::InProcessReader reader(w.service, kSeid);
  host::eid::EidTerminal terminal(reader);
  const std::uint8_t flags = data[0];
  try {
    reader.connect();
    if (flags & 1)
      terminal.pace(host::eid::PacePassword::can("500540"));
    else
      reader.transmit({0x00, 0xA4, 0x04, 0x0C, aid, 0, false});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_eid_apdu: PACE failed: %s\n", e.what());
    std::abort();
  }
  const bool wrap = (flags & 3) == 3;
  std::size_t pos = 1;
  while (pos < size) {
    const std::size_t len = data[pos];
    ++pos;
    const std::size_t n = std::min(len, size - pos);
    const ByteView raw(data + pos, n);
    pos += n;
    std::optional<iso7816::CommandApdu> c;
    try {
      c = iso7816::CommandApdu::parse(raw);
    } catch (const Error&) {
    }
    Bytes out(raw.begin(), raw.end());
    bool wrapped = false;
    if (wrap && c && terminal.channel() && !c->secure_messaging() && (c->cla & 0xE0) == 0) {
      try {
        out = terminal.channel()->session().wrap_command(*c).encode();
        wrapped = true;
      } catch (const Error&) {
      }
    }
    Bytes r;
    try {
      r = w.service.transmit(kSeid, out);
    } catch (...) {
      violation("transmit threw");
    }
    check(r);
    if (!wrapped && c && protected_file_read(*c)) {
      const std::uint16_t sw = get_u16(r, r.size() - 2);
      if (sw == 0x9000 || sw == 0x6282) violation("identity file read without Chip Authentication");
    }
    if (wrapped) {
      try {
        terminal.channel()->session().unwrap_response(iso7816::ResponseApdu::parse(r));
      } catch (const Error&) {
      }
    }
  }
  try {
    card::CardService fresh(*w.store, w.registry);
    fresh.power_on(kSeid);
    const Bytes sel = fresh.transmit(kSeid, concat({Bytes{0x00, 0xA4, 0x04, 0x0C, 0x07}, aid}));
    if (sel != Bytes{0x90, 0x00}) violation("reloaded card cannot select the eID applet");
    // MSE:Set AT with the PIN answers 9000 or 63Cx: never more than 3 tries.
    const Bytes set_at_pin =
        iso7816::CommandApdu{
            0x00,
            0x22,
            0xC1,
            0xA4,
            concat({tlv_encode(0x80, iso7816::pace::pace_ecdh_gm_oid(16)), tlv_encode(0x83, Bytes{0x03})}),
            0,
            false}
            .encode();
    const Bytes mse = fresh.transmit(kSeid, set_at_pin);
    if (mse.size() != 2 ||
        !(mse == Bytes{0x90, 0x00} || (mse[0] == 0x63 && (mse[1] & 0xF0) == 0xC0 && (mse[1] & 0x0F) < 3)))
      violation("PIN retry counter out of range");
  } catch (const Error& e) {
    std::fprintf(stderr, "fuzz_eid_apdu: reloading failed: %s\n", e.what());
    violation("card does not load from the store");
  }
  w.service.delete_card(kSeid);
  return 0;
}
