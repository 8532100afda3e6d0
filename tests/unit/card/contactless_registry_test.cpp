// The Contactless Registry Service data model (GP 2.3 Amendment C; card/contactless_registry.h):
// default state, transitions, LOCKED applications, durability through the ISD's records.
#include "card/contactless_registry.h"

#include <gtest/gtest.h>

#include "card/card_state.h"
#include "context_fixture.h"
#include "util/error.h"
#include "util/hex.h"

#include "../common/expect_errc.h"

namespace sesame::card {
namespace {

using testing::ContextFixture;
const Bytes kApp = from_hex("F0534553414D4501");
const Bytes kOther = from_hex("A0000000041010");
constexpr std::uint8_t kSelectable = 0x07;
constexpr std::uint8_t kLocked = 0x87;

TEST(ContactlessRegistryTest, NewApplicationsAreDeactivated) {
  ContextFixture f;
  AppletContext ctx = f.ctx();
  EXPECT_EQ(contactless_state(ctx.persistent(), kApp), ContactlessState::deactivated);
  EXPECT_TRUE(activated_applications(ctx.persistent()).empty());
  EXPECT_STREQ(contactless_state_name(ContactlessState::non_activatable), "NON_ACTIVATABLE");
}

TEST(ContactlessRegistryTest, Transitions) {
  ContextFixture f;
  AppletContext ctx = f.ctx();
  Persistent& p = ctx.persistent();
  set_contactless_state(p, kApp, kSelectable, ContactlessState::activated);
  set_contactless_state(p, kOther, kSelectable, ContactlessState::activated);
  EXPECT_EQ(contactless_state(p, kApp), ContactlessState::activated);
  EXPECT_EQ(activated_applications(p).size(), 2u);
  set_contactless_state(p, kApp, kSelectable, ContactlessState::deactivated);
  EXPECT_EQ(activated_applications(p), std::vector<Bytes>{kOther});
  set_contactless_state(p, kApp, kSelectable, ContactlessState::non_activatable);
  test::expect_errc(Errc::state, [&] { set_contactless_state(p, kApp, kSelectable, ContactlessState::activated); });
  EXPECT_EQ(contactless_state(p, kApp), ContactlessState::non_activatable) << "a refused transition changes nothing";
  set_contactless_state(p, kApp, kSelectable, ContactlessState::deactivated);  // the way back
  set_contactless_state(p, kApp, kSelectable, ContactlessState::activated);
  EXPECT_EQ(contactless_state(p, kApp), ContactlessState::activated);
  erase_contactless_state(p, kApp);
  EXPECT_EQ(contactless_state(p, kApp), ContactlessState::deactivated);
  test::expect_errc(Errc::invalid_argument, [&] { set_contactless_state(p, from_hex("A000"), kSelectable, ContactlessState::activated); });
}

TEST(ContactlessRegistryTest, ALockedApplicationCannotBeActivated) {
  ContextFixture f;
  AppletContext ctx = f.ctx();
  test::expect_errc(Errc::state, [&] { set_contactless_state(ctx.persistent(), kApp, kLocked, ContactlessState::activated); });
  set_contactless_state(ctx.persistent(), kApp, kLocked, ContactlessState::non_activatable);  // deactivating is allowed
  EXPECT_EQ(contactless_state(ctx.persistent(), kApp), ContactlessState::non_activatable);
}

TEST(ContactlessRegistryTest, StatesAreRecordsAndBadOnesAreIntegrityErrors) {
  ContextFixture f;
  AppletContext ctx = f.ctx();
  set_contactless_state(ctx.persistent(), kApp, kSelectable, ContactlessState::activated);
  EXPECT_EQ(to_hex(ctx.persistent().get(contactless_state_record(kApp))->view()), "01");
  ctx.persistent().put(contactless_state_record(kApp), SecureBytes{0x02});
  test::expect_errc(Errc::integrity, [&] { contactless_state(ctx.persistent(), kApp); });
}

// The registry the runtime gives applets: the single-active payment rule (groups aside) and the
// listeners hearing every change, those the rule makes included.
TEST(ContactlessRegistryTest, SingleActivePaymentApplicationAndListeners) {
  ContextFixture f;
  AppletContext ctx = f.ctx();
  const Bytes kThird = from_hex("A0000000043060");
  ContactlessRegistry crs(ctx.persistent(), [&](ByteView aid) -> std::optional<std::uint8_t> {
    if (Bytes(aid.begin(), aid.end()) == from_hex("A0000000099999")) return std::nullopt;
    return kSelectable;
  });
  std::vector<std::string> heard;
  crs.add_listener([&](ByteView aid, ContactlessState from, ContactlessState to) {
    heard.push_back(to_hex(aid) + " " + contactless_state_name(from) + "->" + contactless_state_name(to));
  });
  crs.register_application(kApp, false, 0);  // not a payment application: outside the rule
  crs.register_application(kOther, true, 0);
  crs.register_application(kThird, true, 0);
  crs.set_state(kApp, ContactlessState::activated);
  crs.set_state(kOther, ContactlessState::activated);
  EXPECT_TRUE(crs.is_payment(kOther));
  heard.clear();
  crs.set_state(kThird, ContactlessState::activated);
  EXPECT_EQ(heard, (std::vector<std::string>{"A0000000041010 ACTIVATED->DEACTIVATED", "A0000000043060 DEACTIVATED->ACTIVATED"}));
  EXPECT_EQ(crs.state(kApp), ContactlessState::activated) << "not a payment application";
  EXPECT_EQ(activated_applications(ctx.persistent()).size(), 2u);

  // Same non-zero group: both stay ACTIVATED.
  crs.register_application(kOther, true, 4);
  crs.register_application(kThird, true, 4);
  crs.set_state(kOther, ContactlessState::activated);
  EXPECT_EQ(crs.state(kThird), ContactlessState::activated);
  EXPECT_EQ(crs.group(kThird), 4);

  crs.set_state(kThird, ContactlessState::non_activatable);
  sesame::test::expect_errc(Errc::state, [&] { crs.set_state(kThird, ContactlessState::activated); });
  sesame::test::expect_errc(Errc::not_found, [&] { crs.set_state(from_hex("A0000000099999"), ContactlessState::activated); });
  EXPECT_EQ(crs.state(kThird), ContactlessState::non_activatable);
}

}  // namespace
}  // namespace sesame::card
