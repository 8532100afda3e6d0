#include "card/card_service.h"

#include <map>
#include <mutex>
#include <shared_mutex>

#include "card/card.h"
#include "crypto/random.h"
#include "iso7816/apdu.h"
#include "iso7816/status_word.h"
#include "store/store.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::card {
namespace {

bool valid_seid(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

// One slot per card: its own mutex serialises that card's commands; the map's shared_mutex is
// held only to find or insert a slot, never while a command runs.
struct CardSlot {
  std::mutex mu;
  std::unique_ptr<Card> card;  // loaded on first use
  bool deleted = false;
};

struct CardService::Impl {
  store::Store& store;
  const AppletRegistry& registry;
  std::mutex store_mu;  // Store's own methods (create/open/delete/list): not the APDU path
  mutable std::shared_mutex map_mu;
  std::map<std::string, std::shared_ptr<CardSlot>> slots;

  Impl(store::Store& s, const AppletRegistry& r) : store(s), registry(r) {}

  std::shared_ptr<CardSlot> slot(const std::string& seid) {
    {
      std::shared_lock lock(map_mu);
      if (auto it = slots.find(seid); it != slots.end()) return it->second;
    }
    bool exists;
    {
      std::lock_guard lock(store_mu);
      exists = valid_seid(seid) && store.card_exists(seid);
    }
    if (!exists) fail(Errc::not_found, "no card " + seid);
    std::unique_lock lock(map_mu);
    auto& s = slots[seid];
    if (!s) s = std::make_shared<CardSlot>();
    return s;
  }

  // Loads the slot's card from the store. Throws what the store and Card's constructor throw.
  void load(CardSlot& s, const std::string& seid) {
    std::unique_ptr<store::CardStore> cs;
    {
      std::lock_guard slock(store_mu);
      cs = store.open_card(seid);
    }
    s.card = std::make_unique<Card>(seid, std::move(cs), registry);
  }

  // Runs f(card) with the card's lock held, loading the card first if needed.
  template <class F>
  auto with_card(const std::string& seid, F&& f) {
    auto s = slot(seid);
    std::lock_guard lock(s->mu);
    if (s->deleted) fail(Errc::not_found, "no card " + seid);
    if (!s->card) load(*s, seid);
    return f(*s->card);
  }

  // As with_card, but a card whose store fails to load (Errc::integrity: a record fails
  // verification; Errc::io: the store cannot be read) gets unloadable() instead of an exception.
  // The slot stays empty, so the next call tries again (a store restored from backup heals it).
  template <class F, class G>
  auto with_card_or(const std::string& seid, F&& f, G&& unloadable) {
    auto s = slot(seid);
    std::lock_guard lock(s->mu);
    if (s->deleted) fail(Errc::not_found, "no card " + seid);
    if (!s->card) {
      try {
        load(*s, seid);
      } catch (const Error& e) {
        if (e.code() != Errc::integrity && e.code() != Errc::io) throw;
        return unloadable();
      }
    }
    return f(*s->card);
  }
};

CardService::CardService(store::Store& store, const AppletRegistry& registry)
    : impl_(std::make_unique<Impl>(store, registry)) {}

CardService::~CardService() = default;

std::string CardService::create_card(const CardOptions& options) {
  std::string seid = options.seid.empty() ? to_hex(crypto::random_bytes(8)) : options.seid;
  if (!valid_seid(seid)) fail(Errc::invalid_argument, "a SEID is 1-64 characters of [A-Za-z0-9._-]");
  std::lock_guard lock(impl_->store_mu);
  impl_->store.create_card(seid);  // throws Error(state) if it exists
  try {
    auto cs = impl_->store.open_card(seid);
    Card::initialise(*cs, options.label);
  } catch (...) {
    impl_->store.delete_card(seid);
    throw;
  }
  return seid;
}

void CardService::delete_card(const std::string& seid) {
  auto s = impl_->slot(seid);
  std::lock_guard card_lock(s->mu);  // waits for a running command
  if (s->deleted) fail(Errc::not_found, "no card " + seid);
  {
    std::lock_guard lock(impl_->store_mu);
    impl_->store.delete_card(seid);
  }
  s->deleted = true;
  s->card.reset();
  std::unique_lock lock(impl_->map_mu);
  impl_->slots.erase(seid);
}

std::vector<std::string> CardService::list_cards() const {
  std::lock_guard lock(impl_->store_mu);
  return impl_->store.list_cards();
}

bool CardService::exists(const std::string& seid) const {
  if (!valid_seid(seid)) return false;
  std::lock_guard lock(impl_->store_mu);
  return impl_->store.card_exists(seid);
}

CardInfo CardService::info(const std::string& seid) {
  return impl_->with_card(seid, [](Card& c) { return c.info(); });
}

void CardService::install_applet(const std::string& seid, const std::string& module, ByteView instance_aid,
                                 ByteView install_params) {
  impl_->with_card(seid, [&](Card& c) {
    c.install_applet(module, instance_aid, install_params);
    return 0;
  });
}

void CardService::delete_applet(const std::string& seid, ByteView instance_aid) {
  impl_->with_card(seid, [&](Card& c) {
    c.delete_applet(instance_aid);
    return 0;
  });
}

void CardService::set_life_cycle(const std::string& seid, CardLifeCycle life_cycle) {
  impl_->with_card(seid, [&](Card& c) {
    c.set_life_cycle(life_cycle);
    return 0;
  });
}

void CardService::set_applet_life_cycle(const std::string& seid, ByteView instance_aid, std::uint8_t life_cycle) {
  impl_->with_card(seid, [&](Card& c) {
    c.set_applet_life_cycle(instance_aid, life_cycle);
    return 0;
  });
}

// A card whose stored state fails to load still answers as a card with a memory failure would:
// power-on and reset give the ATR (sesame's ATR is the same for every card and does not depend on
// the unreadable state), and every command gets 6581 (docs/CARD-RUNTIME.md, "Unloadable cards").
Bytes CardService::power_on(const std::string& seid) {
  return impl_->with_card_or(seid, [](Card& c) { return c.power_on(); }, [] { return sesame_atr(); });
}

void CardService::power_off(const std::string& seid) {
  impl_->with_card_or(
      seid,
      [](Card& c) {
        c.power_off();
        return 0;
      },
      [] { return 0; });
}

Bytes CardService::reset(const std::string& seid, bool warm) {
  return impl_->with_card_or(seid, [&](Card& c) { return c.reset(warm); }, [] { return sesame_atr(); });
}

Bytes CardService::transmit(const std::string& seid, ByteView command_apdu) {
  return impl_->with_card_or(seid, [&](Card& c) { return c.transmit(command_apdu); }, [] {
    return iso7816::ResponseApdu{{}, iso7816::sw_value(iso7816::Sw::memory_failure)}.encode();
  });
}

}  // namespace sesame::card
