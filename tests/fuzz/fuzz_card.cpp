// The whole APDU path: CardService -> Card -> channels -> ISD / demo applet -> file system, PINs and
// the sealed store. The input is a sequence of operations on one card with the demo applet:
//   0 L apdu      transmit the next L bytes (1-byte length)
//   1             warm reset            2   power off
//   3 LL apdu     transmit the next LL bytes (2-byte big-endian length: extended APDUs)
//   4             power on (cold reset)
//   5             reload: continue on a second CardService that loads the card from the store
// (opcodes are taken modulo 6). Invariants: nothing throws; every response is at least SW1 SW2
// with SW1 in 61..6F or 90..9F and no data after an error (ISO/IEC 7816-4 §5.6); no response
// carries more than Ne data bytes; every reset answers the ATR; afterwards a CardService loading
// the card afresh from the store sees the same applets and can select the demo applet.
// SESAME_FUZZ_TRACE=1 prints every exchange.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "card_world.h"
#include "applets/builtin.h"
#include "applets/demo/demo_applet.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "iso7816/apdu.h"
#include "store/memory_store.h"
#include "util/error.h"
#include "util/hex.h"

using namespace sesame;

namespace {

[[noreturn]] void violation(const char* what) { fuzz::violation("fuzz_card", what); }

constexpr const char* kSeid = "fuzz";

using World = fuzz::CardWorld;
World& world() { return fuzz::card_world(); }

void check_response(ByteView command, const Bytes& response) {
  fuzz::check_status_word("fuzz_card", response);
  std::optional<iso7816::CommandApdu> c;
  try {
    c = iso7816::CommandApdu::parse(command);
  } catch (const Error&) {
    if (response.size() != 2) violation("data in the answer to an unparseable command");
    return;
  }
  if (c->ne != 0 && response.size() - 2 > c->ne) violation("more than Ne data bytes");
}

// SESAME_FUZZ_TRACE=1 prints every exchange (to turn a finding into a unit test).
bool tracing() {
  static const bool on = std::getenv("SESAME_FUZZ_TRACE") != nullptr;
  return on;
}

Bytes transmit(card::CardService& s, ByteView command) {
  Bytes r;
  try {
    r = s.transmit(kSeid, command);
  } catch (...) {
    violation("transmit threw");
  }
  if (tracing()) std::fprintf(stderr, "> %s\n< %s\n", to_hex(command).c_str(), to_hex(r).c_str());
  check_response(command, r);
  return r;
}

void run(card::CardService& first, ByteView input) {
  card::CardService* s = &first;
  std::unique_ptr<card::CardService> second;
  const Bytes atr = first.info(kSeid).atr;
  std::size_t pos = 0;
  while (pos < input.size()) {
    const std::uint8_t op = input[pos++] % 6;
    if (tracing() && op != 0 && op != 3) std::fprintf(stderr, "op %u\n", op);
    ByteView apdu;
    if (op == 0 || op == 3) {
      const std::size_t header = op == 0 ? 1 : 2;
      if (input.size() - pos < header) break;
      const std::size_t want = op == 0 ? input[pos] : get_u16(input, pos);
      pos += header;
      apdu = input.subspan(pos, std::min(want, input.size() - pos));
      pos += apdu.size();
    }
    try {
      switch (op) {
        case 0:
        case 3: transmit(*s, apdu); break;
        case 1:
          if (s->reset(kSeid, true) != atr) violation("warm reset did not answer the ATR");
          break;
        case 2: s->power_off(kSeid); break;
        case 4:
          if (s->power_on(kSeid) != atr) violation("power on did not answer the ATR");
          break;
        case 5:
          second = std::make_unique<card::CardService>(*world().store, world().registry);
          s = second.get();
          break;
        default: violation("opcode outside 0..5");
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fuzz_card: operation %u threw: %s\n", op, e.what());
      violation("card operation threw");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World& w = world();
  try {
    w.service.create_card({kSeid, "fuzz"});
    w.service.install_applet(kSeid, applets::demo::kModuleName, applets::demo::module().default_instance_aid,
                             {});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_card: setup failed: %s\n", e.what());
    std::abort();
  }
  const card::CardInfo before = w.service.info(kSeid);
  run(w.service, ByteView(data, size));

  // The card as a restarted server would load it from the store.
  try {
    card::CardService fresh(*w.store, w.registry);
    const card::CardInfo after = fresh.info(kSeid);
    if (after.applets.size() != before.applets.size() || after.life_cycle != before.life_cycle)
      violation("card state changed by APDUs");
    if (fresh.power_on(kSeid) != before.atr) violation("reloaded card answers another ATR");
    const Bytes select =
        fresh.transmit(kSeid, Bytes{0x00, 0xA4, 0x04, 0x0C, 0x08, 0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 0x01});
    if (select != Bytes{0x90, 0x00}) violation("reloaded card cannot select the demo applet");
  } catch (const Error& e) {
    std::fprintf(stderr, "fuzz_card: reloading the card failed: %s\n", e.what());
    violation("card does not load from the store");
  }
  w.service.delete_card(kSeid);
  return 0;
}
