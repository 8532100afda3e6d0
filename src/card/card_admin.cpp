// Card administration (CardService): applet instances and life cycles. Each operation prepares
// the new state, commits it in one store commit, and only then changes the card in memory.
#include <algorithm>

#include "card/card.h"
#include "card/security_domain.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::card {
namespace {

// A failed commit leaves the journal's image as stored (only the buffer holds the change), and
// the administrative operations change the card in memory only after their commit.
void commit_or_discard(RecordJournal& journal) {
  try {
    journal.commit();
  } catch (...) {
    journal.discard();
    throw;
  }
}

}  // namespace

void Card::install_applet(const std::string& module, ByteView instance_aid, ByteView install_params) {
  install_applet(module, instance_aid, install_params, {}, {});
}

void Card::install_applet(const std::string& module, ByteView instance_aid, ByteView install_params,
                          const std::array<std::uint8_t, 3>& privileges, ByteView security_domain) {
  if (broken_ && !recover()) fail(Errc::io, "card " + seid_ + " cannot reload its store");
  if (state_.life_cycle == CardLifeCycle::card_locked || state_.life_cycle == CardLifeCycle::terminated)
    fail(Errc::state, "card " + seid_ + " is locked or terminated");
  if (instance_aid.size() < 5 || instance_aid.size() > 16) fail(Errc::invalid_argument, "instance AID must be 5-16 bytes");
  if (index_of(instance_aid) >= 0) fail(Errc::state, "card " + seid_ + " already has an applet " + to_hex(instance_aid));
  const bool sd_module = module == kSsdModule;
  const AppletModule* m = sd_module ? nullptr : registry_.find(module);
  if (!sd_module && !m) fail(Errc::not_found, "no applet module " + module);
  if (sd_module != ((privileges[0] & privilege::security_domain) != 0))
    fail(Errc::invalid_argument, "the Security Domain privilege goes with the security domain module, and only with it");
  Bytes domain(security_domain.begin(), security_domain.end());
  if (same_aid(domain, isd_aid())) domain.clear();  // the ISD is recorded as "none"
  if (!domain.empty()) {
    const AppletEntry* sd = find_entry(state_, domain);
    if (!sd || !is_security_domain(*sd)) fail(Errc::not_found, "no security domain " + to_hex(domain));
  }

  AppletEntry entry{Bytes(instance_aid.begin(), instance_aid.end()), module, app_life_cycle::selectable, privileges, domain};
  CardState next = state_;
  next.applets.push_back(entry);
  Instance instance{sd_module ? make_ssd(*this) : m->factory(), sd_module || m->multi_selectable, aid_key_prefix(instance_aid)};
  const std::string& prefix = instance.key_prefix;
  journal_.discard();
  for (const auto& k : journal_.keys(prefix)) journal_.erase(k);  // leftovers of an earlier instance
  try {
    SessionState scratch;
    const Clock& clock = clock_;
    AppletContext ctx(0, false, entry.aid, Persistent(journal_, prefix), scratch, state_.life_cycle, clock);
    // The registry sees the new application as installed (its entry is in `next`).
    ctx.set_contactless(ContactlessRegistry(persistent_of(0), [&next](ByteView aid) -> std::optional<std::uint8_t> {
      const AppletEntry* e = find_entry(next, aid);
      return e ? std::optional<std::uint8_t>(e->life_cycle) : std::nullopt;
    }));
    instance.applet->install(ctx, install_params);
    journal_.put(kCardStateKey, next.encode());
  } catch (const iso7816::SwError& e) {
    journal_.discard();
    fail(Errc::invalid_argument, module + " refused installation with " + iso7816::sw_name(e.sw()));
  } catch (...) {
    journal_.discard();
    throw;
  }
  commit_or_discard(journal_);
  state_ = std::move(next);
  instances_.push_back(std::move(instance));
}

void Card::delete_applet(ByteView instance_aid) {
  if (broken_ && !recover()) fail(Errc::io, "card " + seid_ + " cannot reload its store");
  const int index = index_of(instance_aid);
  if (index < 0) fail(Errc::not_found, "card " + seid_ + " has no applet " + to_hex(instance_aid));
  if (index == 0) fail(Errc::state, "the Issuer Security Domain cannot be deleted");
  // GP 2.3 §11.2.2: a Security Domain with associated applications is not deleted.
  for (const auto& e : state_.applets)
    if (same_aid(e.security_domain, instance_aid)) fail(Errc::state, "the security domain has associated applications");
  CardState next = state_;
  next.applets.erase(next.applets.begin() + index);
  journal_.discard();
  for (const auto& k : journal_.keys(aid_key_prefix(instance_aid))) journal_.erase(k);
  {
    Persistent isd = persistent_of(0);
    erase_contactless_state(isd, instance_aid);  // GP Amendment C: the application leaves the CRS
  }
  journal_.put(kCardStateKey, next.encode());
  commit_or_discard(journal_);
  for (auto& c : channels_) {
    if (c.applet == index) {
      c.applet = -1;  // its records are gone: no deselect() call
      c.session.clear();
    } else if (c.applet > index) {
      --c.applet;
    }
  }
  state_ = std::move(next);
  instances_.erase(instances_.begin() + index);
}

void Card::set_security_domain(ByteView instance_aid, ByteView security_domain) {
  const int index = index_of(instance_aid);
  if (index < 0) fail(Errc::not_found, "card " + seid_ + " has no applet " + to_hex(instance_aid));
  if (index == 0) fail(Errc::state, "the ISD is associated with no security domain");
  const AppletEntry* sd = find_entry(state_, security_domain);
  if (!sd || !is_security_domain(*sd)) fail(Errc::not_found, "no security domain " + to_hex(security_domain));
  if (same_aid(security_domain, instance_aid)) fail(Errc::invalid_argument, "a security domain cannot be associated with itself");
  if (broken_ && !recover()) fail(Errc::io, "card " + seid_ + " cannot reload its store");
  CardState next = state_;
  next.applets[static_cast<std::size_t>(index)].security_domain = same_aid(security_domain, isd_aid()) ? Bytes{} : Bytes(security_domain.begin(), security_domain.end());
  journal_.discard();
  journal_.put(kCardStateKey, next.encode());
  commit_or_discard(journal_);
  state_ = std::move(next);
}

void Card::set_life_cycle(CardLifeCycle life_cycle) {
  using L = CardLifeCycle;
  const L from = state_.life_cycle;
  const bool ok = from == life_cycle ||
                  (from != L::terminated && life_cycle == L::terminated) ||
                  (from == L::op_ready && (life_cycle == L::initialized || life_cycle == L::secured)) ||
                  (from == L::initialized && life_cycle == L::secured) ||
                  (from == L::secured && life_cycle == L::card_locked) ||
                  (from == L::card_locked && life_cycle == L::secured);
  if (!ok) fail(Errc::state, "card life cycle transition not allowed (GP §5.1.1)");
  if (from == life_cycle) return;
  if (broken_ && !recover()) fail(Errc::io, "card " + seid_ + " cannot reload its store");
  CardState next = state_;
  next.life_cycle = life_cycle;
  next.applets[0].life_cycle = static_cast<std::uint8_t>(life_cycle);
  journal_.discard();
  journal_.put(kCardStateKey, next.encode());
  commit_or_discard(journal_);
  state_ = std::move(next);
  if (life_cycle == L::card_locked || life_cycle == L::terminated) {
    for (auto& c : channels_) {
      if (c.applet > 0) {
        c.applet = -1;
        c.session.clear();
      }
    }
  }
}

void Card::set_applet_life_cycle(ByteView instance_aid, std::uint8_t life_cycle) {
  const int index = index_of(instance_aid);
  if (index < 0) fail(Errc::not_found, "card " + seid_ + " has no applet " + to_hex(instance_aid));
  if (index == 0) fail(Errc::invalid_argument, "the ISD's life cycle is the card's");
  const std::uint8_t base = life_cycle & 0x7F;
  if (base != app_life_cycle::installed && (base & 0x07) != 0x07) fail(Errc::invalid_argument, "not a GP application life cycle");
  if (broken_ && !recover()) fail(Errc::io, "card " + seid_ + " cannot reload its store");
  CardState next = state_;
  next.applets[index].life_cycle = life_cycle;
  journal_.discard();
  journal_.put(kCardStateKey, next.encode());
  commit_or_discard(journal_);
  state_ = std::move(next);
  if (!applet_selectable(life_cycle)) {
    for (auto& c : channels_) {
      if (c.applet == index) {
        c.applet = -1;
        c.session.clear();
      }
    }
  }
}

}  // namespace sesame::card
