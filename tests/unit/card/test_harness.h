// Shared fixtures for the card runtime tests: a registry of small test applets and a card holding
// them (card_fixture.h: memory store with fault injection, hex APDU helpers).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "card/applet.h"
#include "card/applet_registry.h"
#include "card/card_service.h"
#include "card_fixture.h"
#include "crypto/aes_gcm.h"
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
//  0D: put "a" = data, then throw Error(Errc::integrity) (an applet's own error, not the store's)
//  0E: put "a" = data, then AES-GCM decrypt with a wrong tag (crypto throws Errc::crypto)
//  0F: put_now "ctr" = ctr+1 inside catch (...) that swallows everything, return 9000
//  10: put "mode" = P1, the bits of TxMode: writes and failures in deselect() and select()
enum TxMode : std::uint8_t {
  kDeselectWrites = 0x01,  // deselect(): put "desel" = desel+1
  kSelectWrites = 0x02,    // select(): put "sel" = sel+1
  kSelectRefuses = 0x04,   // select(): return false (after its writes)
  kDeselectThrows = 0x08,  // deselect(): throw std::runtime_error (after its writes)
  kDeselectPutX = 0x10,    // deselect(): put "x" = AA (buffered)
  kSelectPutNowX = 0x20,   // select(): put_now "x" = BB
};

class TxApplet final : public Applet {
 public:
  explicit TxApplet(bool chaining = false) : chaining_(chaining) {}
  bool supports_chaining() const override { return chaining_; }

  void deselect(AppletContext& ctx) override {
    auto& p = ctx.persistent();
    const std::uint8_t m = mode(p);
    if (m & kDeselectWrites) bump(p, "desel", false);
    if (m & kDeselectPutX) p.put("x", SecureBytes{0xAA});
    if (m & kDeselectThrows) throw std::runtime_error("deselect bug");
  }
  bool select(AppletContext& ctx, const iso7816::CommandApdu&) override {
    auto& p = ctx.persistent();
    const std::uint8_t m = mode(p);
    if (m & kSelectWrites) bump(p, "sel", false);
    if (m & kSelectPutNowX) p.put_now("x", SecureBytes{0xBB});
    return (m & kSelectRefuses) == 0;
  }
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
    auto bump_ctr = [&] { bump(p, "ctr", true); };
    switch (a.ins) {
      case 0x01:
        p.put("a", ByteView(a.data));
        return {};
      case 0x02:
        p.put("a", ByteView(a.data));
        iso7816::throw_sw(iso7816::Sw::incorrect_data);
      case 0x03:
        bump_ctr();
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
        bump_ctr();
        p.put_now("b", SecureBytes(ByteView(a.data)));
        p.put("a", ByteView(a.data));
        return {};
      case 0x0A:
        return {get("ctr"), 0x9000};
      case 0x0C:
        return {get("b"), 0x9000};
      case 0x0B:
        bump_ctr();
        iso7816::throw_sw(iso7816::Sw::conditions_not_satisfied);
      case 0x0D:
        p.put("a", ByteView(a.data));
        fail(Errc::integrity, "the applet's own check failed");
      case 0x0E: {
        p.put("a", ByteView(a.data));
        const Bytes key(16, 0), iv(12, 0);
        Bytes sealed = crypto::aes_gcm_encrypt(key, iv, {}, a.data);
        sealed.back() ^= 0x01;
        crypto::aes_gcm_decrypt(key, iv, {}, sealed);
        return {};
      }
      case 0x0F:
        try {
          bump_ctr();
        } catch (...) {
        }
        return {};
      case 0x10:
        p.put("mode", SecureBytes{a.p1});
        return {};
      default:
        iso7816::throw_sw(iso7816::Sw::ins_not_supported);
    }
  }

 private:
  static std::uint8_t mode(const Persistent& p) {
    auto m = p.get("mode");
    return m && m->size() == 1 ? m->data()[0] : 0;
  }
  static void bump(Persistent& p, const char* key, bool now) {
    auto c = p.get(key);
    const std::uint8_t n = c && c->size() == 1 ? c->data()[0] : 0;
    SecureBytes next{static_cast<std::uint8_t>(n + 1)};
    if (now) {
      p.put_now(key, std::move(next));
    } else {
      p.put(key, std::move(next));
    }
  }
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

// A card named "card-1" with the test registry.
class Harness : public CardFixture {
 public:
  Harness() : CardFixture(test_registry(), "card-1", "test") {}

  void install_test_applets() {
    service->install_applet(seid, "test.tx", kTxAid1, {});
    service->install_applet(seid, "test.tx", kTxAid2, {});
    service->install_applet(seid, "test.multi", kMultiAid, {});
    service->install_applet(seid, "test.chain", kChainAid, {});
  }
};

}  // namespace sesame::card::testing
