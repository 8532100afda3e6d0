// Shared fixtures for the card runtime tests: a memory store with fault injection, a registry of
// small test applets, and helpers to send hex APDUs.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "card/applet.h"
#include "card/applet_registry.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "iso7816/apdu.h"
#include "iso7816/status_word.h"
#include "store/memory_store.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::card::testing {

struct Counter {
  int n = 0;
};

// A test applet (CLA 80):
//  01: put "a" = data (buffered)            02: put "a" = data, then throw 6A80
//  03: put_now "ctr" = ctr+1, put "a" = data 04: put "a" = data, then throw std::runtime_error
//  05: return "a"                           06: put "a" = data, return get("a") (reads see writes)
//  07: session counter ++ and return it     08: return P1P2 bytes of 0x5A (long responses)
//  09: put_now "ctr" = ctr+1, put_now "b" = data, put "a" = data (three write points)
//  0A: return "ctr"                        0B: put_now "ctr" = ctr+1, then throw 6985
//  0C: return "b"
class TxApplet final : public Applet {
 public:
  explicit TxApplet(bool chaining = false) : chaining_(chaining) {}
  bool supports_chaining() const override { return chaining_; }
  iso7816::ResponseApdu process(const iso7816::CommandApdu& a, AppletContext& ctx) override {
    using iso7816::ResponseApdu;
    if (ctx.selecting()) return default_select_response(a, ctx.instance_aid());
    if (a.ins == 0xA4) iso7816::throw_sw(iso7816::Sw::file_not_found);  // a forwarded SELECT: no DFs here
    if ((a.cla & 0xE0) != 0x80) iso7816::throw_sw(iso7816::Sw::ins_not_supported);  // 80-83, 90-93 chained
    auto& p = ctx.persistent();
    auto get = [&](const char* k) {
      auto v = p.get(k);
      return v ? v->reveal() : Bytes{};
    };
    auto bump = [&] {
      Bytes c = get("ctr");
      const std::uint8_t n = c.empty() ? 0 : c[0];
      p.put_now("ctr", SecureBytes{static_cast<std::uint8_t>(n + 1)});
    };
    switch (a.ins) {
      case 0x01:
        p.put("a", ByteView(a.data));
        return {};
      case 0x02:
        p.put("a", ByteView(a.data));
        iso7816::throw_sw(iso7816::Sw::incorrect_data);
      case 0x03:
        bump();
        p.put("a", ByteView(a.data));
        return {};
      case 0x04:
        p.put("a", ByteView(a.data));
        throw std::runtime_error("applet bug");
      case 0x05:
        return {get("a"), 0x9000};
      case 0x06:
        p.put("a", ByteView(a.data));
        return {get("a"), 0x9000};
      case 0x07:
        return {Bytes{static_cast<std::uint8_t>(++ctx.session<Counter>().n)}, 0x9000};
      case 0x08:
        return {Bytes((std::size_t{a.p1} << 8) | a.p2, 0x5A), 0x9000};
      case 0x09:
        bump();
        p.put_now("b", SecureBytes(ByteView(a.data)));
        p.put("a", ByteView(a.data));
        return {};
      case 0x0A:
        return {get("ctr"), 0x9000};
      case 0x0C:
        return {get("b"), 0x9000};
      case 0x0B:
        bump();
        iso7816::throw_sw(iso7816::Sw::conditions_not_satisfied);
      default:
        iso7816::throw_sw(iso7816::Sw::ins_not_supported);
    }
  }

 private:
  bool chaining_;
};

inline const Bytes kTxAid1 = from_hex("A0000009990101");
inline const Bytes kTxAid2 = from_hex("A0000009990102");
inline const Bytes kMultiAid = from_hex("A0000009990201");
inline const Bytes kChainAid = from_hex("A0000009990301");

inline AppletRegistry test_registry() {
  AppletRegistry r;
  r.add({"test.tx", from_hex("A00000099901"), from_hex("A0000009990100"), kTxAid1, false, [] { return std::make_unique<TxApplet>(); }});
  r.add({"test.multi", from_hex("A00000099902"), from_hex("A0000009990200"), kMultiAid, true, [] { return std::make_unique<TxApplet>(); }});
  r.add({"test.chain", from_hex("A00000099903"), from_hex("A0000009990300"), kChainAid, false, [] { return std::make_unique<TxApplet>(true); }});
  return r;
}

class Harness {
 public:
  Harness()
      : faults(std::make_shared<store::StoreFaults>()),
        store(store::open_memory_store(crypto::random_secret(32), faults)),
        registry(test_registry()),
        service(std::make_unique<CardService>(*store, registry)) {
    seid = service->create_card({"card-1", "test"});
  }

  // Reloads every card from the store, as a restarted server would.
  void reload() { service = std::make_unique<CardService>(*store, registry); }

  iso7816::ResponseApdu tx(const std::string& hex) { return iso7816::ResponseApdu::parse(service->transmit(seid, from_hex(hex))); }
  std::uint16_t sw(const std::string& hex) { return tx(hex).sw; }
  std::string data(const std::string& hex) {
    auto r = tx(hex);
    EXPECT_EQ(r.sw, 0x9000) << hex;
    return to_hex(r.data);
  }
  void install_test_applets() {
    service->install_applet(seid, "test.tx", kTxAid1, {});
    service->install_applet(seid, "test.tx", kTxAid2, {});
    service->install_applet(seid, "test.multi", kMultiAid, {});
    service->install_applet(seid, "test.chain", kChainAid, {});
  }

  std::shared_ptr<store::StoreFaults> faults;
  std::unique_ptr<store::Store> store;
  AppletRegistry registry;
  std::unique_ptr<CardService> service;
  std::string seid;
};

}  // namespace sesame::card::testing
