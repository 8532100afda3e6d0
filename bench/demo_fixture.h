// The durable-APDU benchmarks' common part: demo cards on a given store, each with the demo applet
// selected and its counter written once, and the loop that sends the counter APDU (80 10 00 00 04:
// increment the persistent 4-byte counter, one durable commit) to a thread's own card.
// Bench code only.
#pragma once

#include <benchmark/benchmark.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "applets/builtin.h"
#include "applets/demo/demo_applet.h"
#include "card/applet_registry.h"
#include "card/card_service.h"
#include "store/store.h"
#include "util/hex.h"

namespace sesame::bench {

inline const Bytes kDemoAid = from_hex("F0534553414D4501");
inline const Bytes kDemoSelect = from_hex("00A4040008F0534553414D450100");
inline const Bytes kDemoIncrement = from_hex("8010000004");  // increment the counter, return it

class DemoCards {
 public:
  // `cards` demo cards named <prefix>0, <prefix>1... on `store`, which must outlive this.
  DemoCards(store::Store& store, int cards, const std::string& prefix) : service_(store, registry_) {
    for (int i = 0; i < cards; ++i) {
      seids_.push_back(service_.create_card({prefix + std::to_string(i), "bench"}));
      service_.install_applet(seids_.back(), applets::demo::kModuleName, kDemoAid, {});
      expect_9000(service_.transmit(seids_.back(), kDemoSelect));
      expect_9000(service_.transmit(seids_.back(), kDemoIncrement));
    }
  }

  card::CardService& service() { return service_; }
  const std::vector<std::string>& seids() const { return seids_; }

  // Each benchmark thread drives its own card; every APDU is one durable commit.
  void run_counter(benchmark::State& state) {
    const std::string& seid = seids_.at(static_cast<std::size_t>(state.thread_index()));
    for (auto _ : state) {
      const Bytes r = service_.transmit(seid, kDemoIncrement);
      if (r.size() != 6 || r[4] != 0x90) {
        state.SkipWithError(("80 10 returned " + to_hex(r)).c_str());
        break;
      }
    }
    state.SetItemsProcessed(state.iterations());
  }

 private:
  static void expect_9000(const Bytes& r) {
    if (r.size() < 2 || r[r.size() - 2] != 0x90 || r.back() != 0x00)
      throw std::runtime_error("unexpected response " + to_hex(r));
  }

  card::AppletRegistry registry_ = applets::builtin_registry();
  card::CardService service_;
  std::vector<std::string> seids_;
};

}  // namespace sesame::bench
