#include "card/contactless_registry.h"

#include "card/card_state.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::card {
namespace {

constexpr const char* kPrefix = "crs/";

ContactlessState decode(const SecureBytes& rec) {
  if (rec.size() != 1 && rec.size() != 3) fail(Errc::integrity, "contactless state record does not decode");
  switch (rec.view()[0]) {
    case 0x01: return ContactlessState::activated;
    case 0x80: return ContactlessState::deactivated;
    case 0x81: return ContactlessState::non_activatable;
    default: fail(Errc::integrity, "contactless state record does not decode");
  }
}

}  // namespace

std::string contactless_state_record(ByteView aid) { return kPrefix + to_hex(aid); }

const char* contactless_state_name(ContactlessState s) {
  switch (s) {
    case ContactlessState::activated: return "ACTIVATED";
    case ContactlessState::deactivated: return "DEACTIVATED";
    case ContactlessState::non_activatable: return "NON_ACTIVATABLE";
  }
  return "unknown";
}

ContactlessState contactless_state(const Persistent& isd, ByteView aid) {
  const SecureBytes* rec = isd.view(contactless_state_record(aid));
  return rec ? decode(*rec) : ContactlessState::deactivated;
}

void set_contactless_state(Persistent& isd, ByteView aid, std::uint8_t application_life_cycle, ContactlessState to) {
  if (aid.size() < 5 || aid.size() > 16) fail(Errc::invalid_argument, "an application AID is 5-16 bytes");
  const ContactlessState from = contactless_state(isd, aid);
  if (from == to) return;
  if (to == ContactlessState::activated) {
    if (from == ContactlessState::non_activatable) fail(Errc::state, "a NON_ACTIVATABLE application cannot be activated");
    if (application_life_cycle & app_life_cycle::locked_bit) fail(Errc::state, "a LOCKED application cannot be activated");
  }
  const SecureBytes* old = isd.view(contactless_state_record(aid));
  SecureBytes rec = old && old->size() == 3 ? SecureBytes{static_cast<std::uint8_t>(to), old->view()[1], old->view()[2]}
                                             : SecureBytes{static_cast<std::uint8_t>(to)};
  isd.put(contactless_state_record(aid), std::move(rec));
}

void erase_contactless_state(Persistent& isd, ByteView aid) {
  const std::string key = contactless_state_record(aid);
  if (isd.contains(key)) isd.erase(key);
}

std::vector<Bytes> activated_applications(const Persistent& isd) {
  std::vector<Bytes> out;
  for (const auto& k : isd.keys(kPrefix)) {
    const SecureBytes* rec = isd.view(k);
    if (rec && decode(*rec) == ContactlessState::activated) out.push_back(from_hex(k.substr(std::string(kPrefix).size())));
  }
  return out;
}

bool ContactlessRegistry::registered(ByteView aid) const { return isd_.contains(contactless_state_record(aid)); }

bool ContactlessRegistry::is_payment(ByteView aid) const {
  const SecureBytes* rec = isd_.view(contactless_state_record(aid));
  return rec && rec->size() == 3 && (rec->view()[1] & 0x80);
}

std::uint8_t ContactlessRegistry::group(ByteView aid) const {
  const SecureBytes* rec = isd_.view(contactless_state_record(aid));
  return rec && rec->size() == 3 ? rec->view()[2] : 0;
}

void ContactlessRegistry::write(ByteView aid, ContactlessState to, bool payment, std::uint8_t group) {
  isd_.put(contactless_state_record(aid),
           SecureBytes{static_cast<std::uint8_t>(to), static_cast<std::uint8_t>(payment ? 0x80 : 0x00), group});
}

void ContactlessRegistry::register_application(ByteView aid, bool payment, std::uint8_t group) {
  if (aid.size() < 5 || aid.size() > 16) fail(Errc::invalid_argument, "an application AID is 5-16 bytes");
  write(aid, state(aid), payment, group);
}

void ContactlessRegistry::set_state(ByteView aid, ContactlessState to) {
  const auto lc = life_cycle(aid);
  if (!lc) fail(Errc::not_found, "no such application");
  std::vector<std::pair<Bytes, ContactlessState>> changes;  // (aid, from)
  const ContactlessState from = state(aid);
  if (from == to) return;
  if (to == ContactlessState::activated && is_payment(aid)) {
    if (from == ContactlessState::non_activatable) fail(Errc::state, "a NON_ACTIVATABLE application cannot be activated");
    const std::uint8_t g = group(aid);
    for (const auto& other : activated_applications(isd_)) {
      if (other == Bytes(aid.begin(), aid.end()) || !is_payment(other) || (g != 0 && group(other) == g)) continue;
      set_contactless_state(isd_, other, 0, ContactlessState::deactivated);
      changes.emplace_back(other, ContactlessState::activated);
    }
  }
  set_contactless_state(isd_, aid, *lc, to);
  changes.emplace_back(Bytes(aid.begin(), aid.end()), from);
  for (const auto& [a, f] : changes)
    for (const auto& l : listeners_) l(a, f, state(a));
}

}  // namespace sesame::card
