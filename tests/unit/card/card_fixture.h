// One card on a CardService over a memory store with fault injection, and the hex APDU helpers
// every card runtime and applet test uses (tests/unit/card and tests/unit/applets share this).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "card/applet_registry.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "iso7816/apdu.h"
#include "store/memory_store.h"
#include "util/hex.h"

namespace sesame::card::testing {

class CardFixture {
 public:
  CardFixture(AppletRegistry r, const std::string& card_seid, const std::string& label)
      : faults(std::make_shared<store::StoreFaults>()),
        store(store::open_memory_store(crypto::random_secret(32), faults)),
        registry(std::move(r)),
        service(std::make_unique<CardService>(*store, registry)) {
    seid = service->create_card({card_seid, label});
  }

  // Reloads every card from the store, as a restarted server would.
  void reload() { service = std::make_unique<CardService>(*store, registry); }

  iso7816::ResponseApdu tx(const std::string& hex) {
    return iso7816::ResponseApdu::parse(service->transmit(seid, from_hex(hex)));
  }
  std::uint16_t sw(const std::string& hex) { return tx(hex).sw; }
  // The response data as hex; the status word must be 9000.
  std::string data(const std::string& hex) {
    auto r = tx(hex);
    EXPECT_EQ(r.sw, 0x9000) << hex;
    return to_hex(r.data);
  }
  // An applet's record as the store holds it now (hex; "" when absent), read through a new
  // CardStore: what a restarted card would see.
  std::string stored(ByteView instance_aid, const std::string& key) {
    const auto records = store->open_card(seid)->load();
    const auto it = records.find(to_hex(instance_aid) + "/" + key);
    return it == records.end() ? "" : to_hex(it->second.view());
  }

  std::shared_ptr<store::StoreFaults> faults;
  std::unique_ptr<store::Store> store;
  AppletRegistry registry;
  std::unique_ptr<CardService> service;
  std::string seid;
};

}  // namespace sesame::card::testing
