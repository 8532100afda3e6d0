// What the card fuzz targets share: one card service over the built-in applets on a memory store,
// made once per process; how a broken invariant ends the run; and the status-word rules every
// response obeys.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "applets/builtin.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "store/memory_store.h"
#include "util/bytes.h"

namespace sesame::fuzz {

[[noreturn]] inline void violation(const char* target, const char* what) {
  std::fprintf(stderr, "%s: invariant violated: %s\n", target, what);
  std::abort();
}

struct CardWorld {
  card::AppletRegistry registry = applets::builtin_registry();
  std::unique_ptr<store::Store> store = store::open_memory_store(crypto::random_secret(32));
  card::CardService service{*store, registry};
};

inline CardWorld& card_world() {
  static CardWorld w;
  return w;
}

// ISO/IEC 7816-4 §5.6: SW1 is 61..6F or 90..9F, and after an execution or checking error (64..6F)
// the data field is absent.
inline void check_status_word(const char* target, ByteView response) {
  if (response.size() < 2) violation(target, "response shorter than SW1 SW2");
  const std::uint8_t sw1 = response[response.size() - 2];
  if (!((sw1 >= 0x61 && sw1 <= 0x6F) || (sw1 >= 0x90 && sw1 <= 0x9F))) violation(target, "SW1 outside 61..6F, 90..9F");
  if (sw1 >= 0x64 && sw1 <= 0x6F && response.size() != 2) violation(target, "data with an error status word");
}

}  // namespace sesame::fuzz
