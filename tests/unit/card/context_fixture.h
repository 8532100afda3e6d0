// A bare applet context over a memory store, for testing runtime pieces (PinObject, FileSystem)
// without a card around them.
#pragma once

#include <memory>

#include "card/applet.h"
#include "card/record_journal.h"
#include "crypto/random.h"
#include "store/memory_store.h"

namespace sesame::card::testing {

struct ContextFixture {
  ContextFixture()
      : faults(std::make_shared<store::StoreFaults>()),
        store(store::open_memory_store(crypto::random_secret(32), faults)),
        card_store((store->create_card("c"), store->open_card("c"))),
        journal(*card_store) {
    journal.load();
  }
  AppletContext ctx(SessionState& s) {
    return AppletContext(0, false, aid, Persistent(journal, "A000000999/"), s, CardLifeCycle::secured, clock);
  }
  AppletContext ctx() { return ctx(session); }
  // What the store holds now, seen through a fresh journal.
  std::optional<SecureBytes> stored(const std::string& key) {
    RecordJournal fresh(*card_store);
    fresh.load();
    const SecureBytes* v = fresh.get("A000000999/" + key);
    return v ? std::optional<SecureBytes>(*v) : std::nullopt;
  }

  std::shared_ptr<store::StoreFaults> faults;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<store::CardStore> card_store;
  RecordJournal journal;
  SessionState session;
  Bytes aid{0xA0, 0x00, 0x00, 0x09, 0x99};
  Clock clock = [] { return std::chrono::system_clock::time_point{}; };
};

}  // namespace sesame::card::testing
