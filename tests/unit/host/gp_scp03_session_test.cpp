// host::gp::Scp03Session against a hosted card through the InProcessReader: the terminal code that
// also runs over PC/SC and RACS. Opens a session at every security level in S8 and S16 mode, lists
// the registry with GET STATUS, and refuses wrong keys and unknown key versions. (The protocol math
// is checked against published transcripts in tests/unit/iso7816/scp03_test.cpp.)
#include "host/gp/scp03_session.h"

#include <gtest/gtest.h>

#include "applets/builtin.h"
#include "applets/demo/demo_applet.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "host/gp/get_status.h"
#include "host/gp/install.h"
#include "host/gp/put_key.h"
#include "host/gp/set_status.h"
#include "host/in_process_reader.h"
#include "store/memory_store.h"
#include "util/error.h"
#include "util/hex.h"

#include "../common/expect_errc.h"

namespace sesame::host::gp {
namespace {

namespace scp03 = iso7816::scp03;
const Bytes kDemoAid = from_hex("F0534553414D4501");

class GpScp03SessionTest : public ::testing::Test {
 protected:
  GpScp03SessionTest()
      : store(store::open_memory_store(crypto::random_secret(32))), registry(applets::builtin_registry()), cards(*store, registry) {
    seid = cards.create_card({.seid = "gp", .label = ""});
    cards.install_applet(seid, applets::demo::kModuleName, kDemoAid, {});
    reader = std::make_unique<InProcessReader>(cards, seid);
  }

  std::unique_ptr<store::Store> store;
  card::AppletRegistry registry;
  card::CardService cards;
  std::string seid;
  std::unique_ptr<InProcessReader> reader;
};

TEST_F(GpScp03SessionTest, ListsTheRegistryAtEveryLevel) {
  for (scp03::Mode mode : {scp03::Mode::s8, scp03::Mode::s16}) {
    for (std::uint8_t sl : {0x01, 0x03, 0x11, 0x13, 0x31, 0x33}) {
      Scp03Options o;
      o.security_level = sl;
      o.mode = mode;
      auto s = Scp03Session::open(*reader, o);
      EXPECT_EQ(s->key_version(), 0x30);
      EXPECT_EQ(s->i_parameter(), mode == scp03::Mode::s8 ? 0x70 : 0x71);
      EXPECT_EQ(s->security_level(), sl);
      const auto isd = get_status(*s, StatusScope::isd);
      ASSERT_EQ(isd.size(), 1u);
      EXPECT_EQ(isd[0].aid, isd_aid());
      EXPECT_EQ(isd[0].life_cycle, 0x0F);  // SECURED
      EXPECT_EQ(to_hex(isd[0].privileges), "9E0000");
      const auto apps = get_status(*s, StatusScope::applications);
      ASSERT_EQ(apps.size(), 1u);
      EXPECT_EQ(apps[0].aid, kDemoAid);
      EXPECT_EQ(apps[0].life_cycle, 0x07);  // SELECTABLE
      EXPECT_EQ(apps[0].security_domain_aid, isd_aid());
      const auto files = get_status(*s, StatusScope::load_files_and_modules);
      ASSERT_FALSE(files.empty());
      EXPECT_FALSE(files[0].modules.empty());
      // GET DATA inside the channel, with its R-MAC / R-ENCRYPTION removed.
      const auto cplc = s->transmit({0x80, 0xCA, 0x9F, 0x7F, {}, 256, false});
      EXPECT_EQ(cplc.sw, 0x9000);
      EXPECT_EQ(cplc.data.size(), 45u);
    }
  }
}

TEST_F(GpScp03SessionTest, SequenceCounterMovesOn) {
  const auto a = Scp03Session::open(*reader, {});
  const auto b = Scp03Session::open(*reader, {});
  EXPECT_EQ(b->sequence_counter(), a->sequence_counter() + 1);
  EXPECT_EQ(a->key_diversification_data().size(), 10u);
}

TEST_F(GpScp03SessionTest, WrongKeysAreRefusedBeforeAuthenticating) {
  Scp03Options o;
  o.keys.mac = SecureBytes(Bytes(16, 0x11));
  test::expect_errc(Errc::crypto, [&] { Scp03Session::open(*reader, o); });
  o = {};
  o.keys.enc = SecureBytes(Bytes(16, 0x22));  // K-ENC alone: caught by the pseudo-random card challenge
  test::expect_errc(Errc::crypto, [&] { Scp03Session::open(*reader, o); });
  o = {};
  o.keys = {SecureBytes(Bytes(32, 1)), SecureBytes(Bytes(32, 2)), SecureBytes(Bytes(32, 3))};
  test::expect_errc(Errc::crypto, [&] { Scp03Session::open(*reader, o); });
  EXPECT_NO_THROW(Scp03Session::open(*reader, {})) << "the card is still usable";
}

TEST_F(GpScp03SessionTest, UnknownKeyVersionAndBadLevel) {
  Scp03Options o;
  o.key_version = 0x31;
  test::expect_errc(Errc::state, [&] { Scp03Session::open(*reader, o); });
  o = {};
  o.security_level = 0x02;
  test::expect_errc(Errc::invalid_argument, [&] { Scp03Session::open(*reader, o); });
}

TEST_F(GpScp03SessionTest, ALogicalChannelOfItsOwn) {
  const auto ch = reader->transmit({0x00, 0x70, 0x00, 0x00, {}, 1, false});
  ASSERT_EQ(ch.sw, 0x9000);
  Scp03Options o;
  o.channel = ch.data.at(0);
  o.security_level = 0x33;
  auto s = Scp03Session::open(*reader, o);
  EXPECT_EQ(get_status(*s, StatusScope::applications).size(), 1u);
  // The basic channel has no session: GET STATUS there is refused.
  EXPECT_EQ(reader->transmit({0x80, 0xF2, 0x40, 0x02, Bytes{0x4F, 0x00}, 256, false}).sw, 0x6982);
}

TEST_F(GpScp03SessionTest, ATamperedResponseBreaksTheSession) {
  // A reader that flips one bit of every response's data after the channel is open.
  struct Flipping final : Reader {
    explicit Flipping(Reader& r) : inner(r) {}
    std::string name() const override { return "flipping"; }
    Bytes connect() override { return inner.connect(); }
    void disconnect() override { inner.disconnect(); }
    Bytes reset(bool warm) override { return inner.reset(warm); }
    Bytes transmit_raw(ByteView c) override {
      Bytes r = inner.transmit_raw(c);
      if (armed && r.size() > 2) r[0] ^= 0x01;
      return r;
    }
    Reader& inner;
    bool armed = false;
  } flipping(*reader);
  Scp03Options o;
  o.security_level = 0x11;
  auto s = Scp03Session::open(flipping, o);
  flipping.armed = true;
  test::expect_errc(Errc::crypto, [&] { s->transmit({0x80, 0xCA, 0x9F, 0x7F, {}, 256, false}); });
  test::expect_errc(Errc::state, [&] { s->transmit({0x80, 0xCA, 0x9F, 0x7F, {}, 256, false}); });
}

}  // namespace
}  // namespace sesame::host::gp

namespace sesame::host::gp {
namespace {

TEST_F(GpScp03SessionTest, PutKeyRotatesTheKeySet) {
  const scp03::StaticKeys fresh{SecureBytes(Bytes(16, 0xA1)), SecureBytes(Bytes(16, 0xB2)), SecureBytes(Bytes(16, 0xC3))};
  {
    Scp03Options o;
    o.security_level = 0x33;
    auto s = Scp03Session::open(*reader, o);
    put_key(*s, 0x30, 0x31, fresh);  // replace the development default
    test::expect_errc(Errc::state, [&] { put_key(*s, 0x30, 0x32, fresh); });  // 30 is gone: 6A88
  }
  // KVN 00 now means set 31, and the test keys no longer match it.
  test::expect_errc(Errc::crypto, [&] { Scp03Session::open(*reader, {}); });
  Scp03Options o;
  o.keys = fresh;
  o.key_version = 0x31;
  auto s = Scp03Session::open(*reader, o);
  EXPECT_EQ(get_status(*s, StatusScope::applications).size(), 1u);
}

}  // namespace
}  // namespace sesame::host::gp

namespace sesame::host::gp {
namespace {

TEST_F(GpScp03SessionTest, LockUnlockAndCardLifeCycle) {
  auto s = Scp03Session::open(*reader, {});
  lock_application(*s, kDemoAid);
  EXPECT_EQ(get_status(*s, StatusScope::applications).at(0).life_cycle, 0x87);
  EXPECT_EQ(reader->transmit({0x00, 0xA4, 0x04, 0x00, kDemoAid, 256, false}).sw, 0x6A82) << "locked: not selectable";
  // That SELECT named no selectable applet: the ISD stayed selected and its session goes on.
  unlock_application(*s, kDemoAid);
  test::expect_errc(Errc::state, [&] { unlock_application(*s, kDemoAid); });
  set_card_life_cycle(*s, 0x7F);
  EXPECT_EQ(cards.info(seid).life_cycle, card::CardLifeCycle::card_locked);
  auto again = Scp03Session::open(*reader, {});  // SELECT of the ISD answers 6283 now
  set_card_life_cycle(*again, 0x0F);
  EXPECT_EQ(cards.info(seid).life_cycle, card::CardLifeCycle::secured);
  EXPECT_EQ(reader->transmit({0x00, 0xA4, 0x04, 0x00, kDemoAid, 256, false}).sw, 0x9000);
}

}  // namespace
}  // namespace sesame::host::gp

namespace sesame::host::gp {
namespace {

TEST_F(GpScp03SessionTest, InstallAndDeleteOverTheChannel) {
  Scp03Options o;
  o.security_level = 0x33;
  auto s = Scp03Session::open(*reader, o);
  const auto modules = get_status(*s, StatusScope::load_files_and_modules);
  const RegistryEntry* demo = nullptr;
  for (const auto& m : modules)
    if (m.aid == from_hex("F0534553414D450001")) demo = &m;
  ASSERT_NE(demo, nullptr);
  const Bytes second = from_hex("F0534553414D4502");
  install(*s, demo->aid, demo->modules.at(0), second, from_hex("810439383736"));
  EXPECT_EQ(get_status(*s, StatusScope::applications).size(), 2u);
  test::expect_errc(Errc::state, [&] { install(*s, demo->aid, demo->modules.at(0), second); });  // in use: 6985
  delete_application(*s, kDemoAid);
  const auto apps = get_status(*s, StatusScope::applications);
  ASSERT_EQ(apps.size(), 1u);
  EXPECT_EQ(apps[0].aid, second);
  test::expect_errc(Errc::state, [&] { delete_application(*s, kDemoAid); });  // gone: 6A88
}

}  // namespace
}  // namespace sesame::host::gp
