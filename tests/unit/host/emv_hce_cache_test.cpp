// HCE cache mode (host/emv/hce_cache.h): the POS kernel through the phone-side cache gives what it
// gives reading the card directly, with fewer exchanges with the card; a stale cache fails closed
// before the card spends an ATC; a card that cannot check the digest is still checked.
#include <gtest/gtest.h>

#include "../common/expect_errc.h"
#include "emv_kernel_fixture.h"
#include "host/emv/hce_cache.h"
#include "util/tlv.h"

namespace sesame::host::emv::testing {
namespace {

const Bytes kAid = from_hex("A0000000041010");

// Counts the APDUs that reach the card.
class CountingReader final : public Reader {
 public:
  explicit CountingReader(Reader& inner) : inner_(inner) {}
  std::string name() const override { return inner_.name(); }
  Bytes connect() override { return inner_.connect(); }
  void disconnect() override { inner_.disconnect(); }
  Bytes reset(bool warm) override { return inner_.reset(warm); }
  Bytes transmit_raw(ByteView command) override {
    ++count;
    return inner_.transmit_raw(command);
  }
  int count = 0;

 private:
  Reader& inner_;
};

class EmvHceCache : public ::testing::Test, public KernelFixture {
 protected:
  EmvHceCache() {
    // A second card, personalised exactly as the first: one runs transparent, one through the cache.
    seid_b = cards.create_card({"emv-card-b", ""});
    install(seid_b, test_card());
    txn.unpredictable_number = from_hex("11223344");
  }

  void install(const std::string& s, const iso7816::emv::CardData& card) {
    cards.install_applet(s, "sesame.emv.ppse", Bytes{'2', 'P', 'A', 'Y', '.', 'S', 'Y', 'S', '.', 'D', 'D', 'F', '0', '1'}, {});
    install_payment(s, card);
  }
  void install_payment(const std::string& s, const iso7816::emv::CardData& card, const ProfileOptions& options = {}) {
    const SecureString profile = make_profile_json(card, &shared_pki(), issuer_master_key(), options);
    cards.install_applet(s, "sesame.emv.payment", kAid, as_bytes(profile));
  }
  std::uint16_t card_atc(const std::string& s) {
    InProcessReader r(cards, s);
    EXPECT_TRUE(r.transmit({0x00, 0xA4, 0x04, 0x00, kAid, 256, false}).ok());
    const auto resp = r.transmit({0x80, 0xCA, 0x9F, 0x36, {}, 256, false});
    EXPECT_TRUE(resp.ok());
    return get_u16(parse_one(resp.data).value());
  }

  static void expect_same(const Outcome& a, const Outcome& b) {
    EXPECT_EQ(a.result, b.result);
    EXPECT_EQ(a.online, b.online);
    EXPECT_EQ(a.cda_verified, b.cda_verified);
    EXPECT_EQ(a.dda_verified, b.dda_verified);
    EXPECT_EQ(to_hex(a.aid), to_hex(b.aid));
    EXPECT_EQ(to_hex(a.tvr), to_hex(b.tvr));
    EXPECT_EQ(a.cid, b.cid);
    EXPECT_EQ(to_hex(a.cryptogram), to_hex(b.cryptogram));
    EXPECT_EQ(a.atc, b.atc);
    EXPECT_EQ(to_hex(a.arc), to_hex(b.arc));
    EXPECT_EQ(a.reason, b.reason);
    // The ICC dynamic number of DDA (9F4C) is the card's random number: present in both, else equal.
    auto da = a.card_data, db = b.card_data;
    EXPECT_EQ(da.erase(0x9F4C), db.erase(0x9F4C));
    EXPECT_EQ(da, db);
  }

  std::string seid_b;
};

// The same purchases (offline with CDA, online with CDA on both GENERATE ACs, DDA) on two identical
// cards, one read directly and one through the cache: identical outcomes, cryptograms included.
TEST_F(EmvHceCache, PurchasesThroughTheCacheEqualTransparentMode) {
  InProcessReader direct_a(cards, seid), direct_b(cards, seid_b);
  CountingReader counted_a(direct_a), counted_b(direct_b);
  ReaderLink link_a(direct_a), link_b(counted_b);
  HceCache throwaway(link_a), cache(link_b);
  throwaway.fill();  // the fill spends one ATC: do the same on card A
  cache.fill();
  EXPECT_TRUE(cache.card_checks_digest(kAid));
  ASSERT_EQ(cache.applications().size(), 1u);

  struct Case {
    const char* name;
    std::uint64_t amount;
    bool cda;
    bool online;
  };
  for (const Case& c : {Case{"offline CDA", 100, true, false}, Case{"online CDA", 20000, true, true},
                        Case{"offline DDA", 200, false, false}}) {
    SCOPED_TRACE(c.name);
    txn.amount = c.amount;
    terminal.cda_supported = c.cda;
    const int before_a = counted_a.count;
    const auto transparent = run(counted_a, c.online ? issuer() : OnlineAuthoriser{});
    const int apdus_transparent = counted_a.count - before_a;
    const int before_b = counted_b.count;
    const auto cached = run(cache, c.online ? issuer() : OnlineAuthoriser{});
    const int apdus_cached = counted_b.count - before_b;
    EXPECT_EQ(transparent.result, c.online || c.amount < 10000 ? Outcome::Result::approved : Outcome::Result::declined)
        << transparent.reason;
    EXPECT_EQ(transparent.cda_verified, c.cda);
    expect_same(transparent, cached);
    // Transparent: PPSE, SELECT, GPO, 5 records, GENERATE AC (+ INTERNAL AUTHENTICATE, + GENERATE AC 2).
    // Cached: SELECT, CHECK STATIC DATA, GPO, then the same cryptographic commands: 5 fewer.
    EXPECT_EQ(apdus_transparent - apdus_cached, 5) << apdus_transparent << " / " << apdus_cached;
  }
  EXPECT_EQ(card_atc(seid), card_atc(seid_b));
  EXPECT_FALSE(cache.stale());
}

// Threat: a cache filled before the card was re-personalised (here a new cardholder name in SFI 1,
// which no certificate covers) would have the terminal approve with the old card's data. The card refuses the
// cache's digest before GET PROCESSING OPTIONS: no ATC is spent, the kernel ends the application,
// and the cache stays refused until filled again.
TEST_F(EmvHceCache, StaleCacheFailsClosedBeforeTheCardSpendsAnAtc) {
  InProcessReader direct(cards, seid_b);
  ReaderLink link(direct);
  HceCache cache(link);
  cache.fill();
  ASSERT_EQ(run(cache).result, Outcome::Result::approved);

  cards.delete_applet(seid_b, kAid);
  ProfileOptions renamed;
  renamed.name = "OTHER/HOLDER";
  install_payment(seid_b, test_card(), renamed);
  const auto o = run(cache);
  EXPECT_EQ(o.result, Outcome::Result::end_application);
  EXPECT_NE(o.reason.find("stale"), std::string::npos) << o.reason;
  EXPECT_TRUE(cache.stale());
  EXPECT_EQ(card_atc(seid_b), 0) << "the card refused before GET PROCESSING OPTIONS";
  EXPECT_EQ(run(cache).result, Outcome::Result::end_application) << "refused until filled again";

  cache.fill();
  const auto again = run(cache);
  EXPECT_EQ(again.result, Outcome::Result::approved) << again.reason;
  const Bytes name = again.card_data.at(0x5F20);
  EXPECT_EQ(std::string(name.begin(), name.end()), "OTHER/HOLDER");
}

// A card without CHECK STATIC DATA (6D00): the records travel in the transaction's one exchange and
// are compared; purchases still equal transparent mode, and a re-personalised card is still caught.
TEST_F(EmvHceCache, CardWithoutDigestCheckIsComparedRecordByRecord) {
  InProcessReader direct_a(cards, seid), direct_b(cards, seid_b);
  const auto no_check = [](ByteView command, Bytes& response) {
    if (command.size() > 1 && command[1] == 0xD4) response = {0x6D, 0x00};
  };
  AlteringReader legacy_b(direct_b, no_check);
  ReaderLink link_a(direct_a), link_b(legacy_b);
  HceCache throwaway(link_a), cache(link_b);
  throwaway.fill();
  cache.fill();
  EXPECT_FALSE(cache.card_checks_digest(kAid));
  expect_same(run(direct_a), run(cache));

  cards.delete_applet(seid_b, kAid);
  auto other = test_card();
  other.expiry = "311231";
  install_payment(seid_b, other);
  const auto o = run(cache);
  EXPECT_EQ(o.result, Outcome::Result::end_application);
  EXPECT_TRUE(cache.stale()) << o.reason;
}

// The application became blocked after the fill (SELECT now answers 6283): the guard on the
// forwarded SELECT stops the exchange, nothing reaches GET PROCESSING OPTIONS or GENERATE AC.
TEST_F(EmvHceCache, ApplicationBlockedAfterTheFillIsNotServedFromTheCache) {
  InProcessReader direct(cards, seid_b);
  bool blocked = false;
  AlteringReader altered(direct, [&](ByteView command, Bytes& response) {
    if (blocked && command.size() > 1 && command[1] == 0xA4 && response.size() >= 2) {
      response[response.size() - 2] = 0x62;
      response[response.size() - 1] = 0x83;
    }
  });
  ReaderLink link(altered);
  HceCache cache(link);
  cache.fill();
  EXPECT_EQ(run(cache).result, Outcome::Result::approved);
  const std::uint16_t atc = card_atc(seid_b);
  blocked = true;
  const auto o = run(cache);
  EXPECT_EQ(o.result, Outcome::Result::end_application);
  EXPECT_TRUE(cache.stale()) << o.reason;
  EXPECT_EQ(card_atc(seid_b), atc);
}

// The phone keeps the cache between transactions: saved and loaded, it serves the same purchase with
// one exchange with the card; a file whose answers do not match its digest is refused.
TEST_F(EmvHceCache, SavedCacheServesLaterPurchases) {
  InProcessReader direct(cards, seid_b);
  CountingReader counted(direct);
  ReaderLink link(counted);
  std::string saved;
  {
    HceCache cache(link);
    cache.fill();
    saved = cache.save();
  }
  HceCache cache(link);
  cache.load(saved);
  const int before = counted.count;
  const auto o = run(cache);
  EXPECT_EQ(o.result, Outcome::Result::approved) << o.reason;
  EXPECT_TRUE(o.cda_verified);
  EXPECT_EQ(counted.count - before, 4) << "SELECT, CHECK STATIC DATA, GPO, GENERATE AC";

  std::string altered = saved;
  const auto at = altered.find("5F20");  // the cardholder name's tag in SFI 1 record 1
  ASSERT_NE(at, std::string::npos);
  altered[at + 6] = altered[at + 6] == '4' ? '5' : '4';
  HceCache other(link);
  test::expect_errc(Errc::parse, [&] { other.load(altered); });
  EXPECT_FALSE(other.filled());
  test::expect_errc(Errc::parse, [&] { other.load(R"({"format":"sesame-hce-cache-1"})"); });
  test::expect_errc(Errc::parse, [&] { other.load("not json"); });
}

// CHECK STATIC DATA on the card (80 D4): the right digest 9000, another 6A80, wrong length 6700,
// P1P2 6A86; it changes nothing.
TEST_F(EmvHceCache, CheckStaticDataCommand) {
  InProcessReader r(cards, seid_b);
  ReaderLink link(r);
  HceCache cache(link);
  cache.fill();
  EXPECT_TRUE(cache.card_checks_digest(kAid)) << "the fill's digest was accepted";
  ASSERT_TRUE(r.transmit({0x00, 0xA4, 0x04, 0x00, kAid, 256, false}).ok());
  Bytes wrong(32, 0xAB);
  EXPECT_EQ(r.transmit({0x80, 0xD4, 0x00, 0x00, wrong, 0, false}).sw, 0x6A80);
  EXPECT_EQ(r.transmit({0x80, 0xD4, 0x00, 0x00, Bytes(31, 0), 0, false}).sw, 0x6700);
  EXPECT_EQ(r.transmit({0x80, 0xD4, 0x01, 0x00, wrong, 0, false}).sw, 0x6A86);
  EXPECT_EQ(r.transmit({0x00, 0xD4, 0x00, 0x00, wrong, 0, false}).sw, 0x6E00);
  EXPECT_EQ(card_atc(seid_b), 1) << "only the fill's GPO spent an ATC";
}

}  // namespace
}  // namespace sesame::host::emv::testing
