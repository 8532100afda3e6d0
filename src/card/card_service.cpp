#include "card/card_service.h"

#include <array>
#include <atomic>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <unordered_map>

#include "card/card.h"
#include "crypto/random.h"
#include "iso7816/apdu.h"
#include "iso7816/status_word.h"
#include "store/store.h"
#include "util/error.h"
#include "util/hex.h"
#include "util/seid.h"

namespace sesame::card {

// One slot per card: its own mutex serialises that card's commands and its load; the map's
// shared_mutex is held only to find or insert a slot, never while a command runs or the store works.
// The Store is thread-safe, so no lock of the service is held across store I/O except a card's own.
struct CardSlot {
  std::mutex mu;
  std::unique_ptr<Card> card;  // loaded on first use
  bool deleted = false;
  // release() dropped this slot from the map: a caller that found it before then looks again
  // (and gets a fresh slot), so one card never has two slots, and so never two loaded copies.
  bool retired = false;
  // Commits submitted by transmit_deferred and not finished yet, and whether one of them failed
  // (the card's image is then ahead of its store and must be reloaded). Finishing a commit touches
  // only these atomics, never the mutex: the store's writer thread must not wait for a card.
  std::atomic<int> inflight{0};
  std::atomic<bool> commit_failed{false};

  // With `mu` held, before the card is used: a failed commit makes the card reload (after every
  // commit in flight has finished, so the reload sees their outcome). `all`: wait for every commit
  // in flight anyway, before the card is closed or deleted.
  void settle(bool all) {
    if (!all && !commit_failed.load(std::memory_order_acquire)) return;
    for (int n = inflight.load(std::memory_order_acquire); n != 0; n = inflight.load(std::memory_order_acquire))
      inflight.wait(n, std::memory_order_acquire);
    if (commit_failed.exchange(false, std::memory_order_acq_rel) && card) card->mark_broken();
  }
};

// One commit submitted by transmit_deferred: finished exactly once, by the store's callback. A
// store that throws at submission drops the callback uncalled: the card saw that exception like a
// failed synchronous commit (6581, reloaded, its image unchanged), so nothing is left to report.
struct CommitTicket {
  std::shared_ptr<CardSlot> slot;
  std::shared_ptr<CommitWaiter::State> waiter;
  bool finished = false;

  CommitTicket(std::shared_ptr<CardSlot> s, std::shared_ptr<CommitWaiter::State> w)
      : slot(std::move(s)), waiter(std::move(w)) {
    slot->inflight.fetch_add(1, std::memory_order_acq_rel);
    waiter->begin();
  }
  ~CommitTicket() { finish(true); }
  CommitTicket(const CommitTicket&) = delete;
  CommitTicket& operator=(const CommitTicket&) = delete;

  void finish(bool ok) noexcept {
    if (finished) return;
    finished = true;
    if (!ok) slot->commit_failed.store(true, std::memory_order_release);
    slot->inflight.fetch_sub(1, std::memory_order_acq_rel);
    slot->inflight.notify_all();
    waiter->finish(ok);
  }
};

// The slot map is split into shards, each with its own lock on its own cache line: every
// transmit takes a shard's read lock, and with one lock for all cards two threads driving two
// cards bounced that lock's cache line between cores on every APDU.
struct alignas(64) SlotShard {
  mutable std::shared_mutex mu;
  std::unordered_map<std::string, std::shared_ptr<CardSlot>> slots;
  // SEIDs whose create_card is between the store's create_card and the card's first commit: they
  // do not exist yet for anyone else (a second create_card of one gets Errc::state).
  std::set<std::string, std::less<>> creating;
};

struct CardService::Impl {
  store::Store& store;
  const AppletRegistry& registry;
  std::array<SlotShard, 32> shards;

  Impl(store::Store& s, const AppletRegistry& r) : store(s), registry(r) {}

  SlotShard& shard(const std::string& seid) { return shards[std::hash<std::string>{}(seid) % shards.size()]; }
  const SlotShard& shard(const std::string& seid) const {
    return shards[std::hash<std::string>{}(seid) % shards.size()];
  }

  bool being_created(const std::string& seid) const {
    const SlotShard& sh = shard(seid);
    std::shared_lock lock(sh.mu);
    return sh.creating.contains(seid);
  }

  // A card exists once its creation is complete. The store is asked first: a card the store has
  // and that is no longer being created is complete (create_card marks it before creating it).
  bool exists(const std::string& seid) const {
    if (!valid_seid(seid) || !store.card_exists(seid)) return false;
    return !being_created(seid);
  }

  std::shared_ptr<CardSlot> slot(const std::string& seid) {
    SlotShard& sh = shard(seid);
    {
      std::shared_lock lock(sh.mu);
      if (auto it = sh.slots.find(seid); it != sh.slots.end()) return it->second;
    }
    if (!valid_seid(seid) || !store.card_exists(seid)) fail(Errc::not_found, "no card " + seid);
    std::unique_lock lock(sh.mu);
    if (sh.creating.contains(seid)) fail(Errc::not_found, "no card " + seid);
    auto& s = sh.slots[seid];
    if (!s) s = std::make_shared<CardSlot>();
    return s;
  }

  // Loads the slot's card from the store, under the slot's lock only (a slow load of one card
  // delays no other card). Throws what the store and Card's constructor throw.
  void load(CardSlot& s, const std::string& seid) {
    s.card = std::make_unique<Card>(seid, store.open_card(seid), registry);
  }

  // The card's slot, locked, and not retired by a release() that ran while this waited.
  std::pair<std::shared_ptr<CardSlot>, std::unique_lock<std::mutex>> locked_slot(const std::string& seid) {
    for (;;) {
      auto s = slot(seid);
      std::unique_lock lock(s->mu);
      if (!s->retired) {
        s->settle(false);
        return {std::move(s), std::move(lock)};
      }
    }
  }

  // The handle's slot, locked: the one it has unless release() retired it or the card was deleted
  // (and perhaps created again), else the map's (slot() throws not_found for a card that is gone).
  std::unique_lock<std::mutex> locked_slot(std::shared_ptr<CardSlot>& s, const std::string& seid) {
    for (;;) {
      if (!s) s = slot(seid);
      std::unique_lock lock(s->mu);
      if (!s->retired && !s->deleted) {
        s->settle(false);
        return lock;
      }
      lock.unlock();
      s.reset();
    }
  }

  // Runs f(card) with the card's lock held, loading the card first if needed.
  template <class F>
  auto with_card(const std::string& seid, F&& f) {
    auto [s, lock] = locked_slot(seid);
    if (s->deleted) fail(Errc::not_found, "no card " + seid);
    if (!s->card) load(*s, seid);
    return f(*s->card);
  }

  // As with_card, but a card whose store fails to load (Errc::integrity: a record fails
  // verification; Errc::io: the store cannot be read) gets unloadable() instead of an exception.
  // The slot stays empty, so the next call tries again (a store restored from backup heals it).
  template <class F, class G>
  auto with_card_or(const std::string& seid, F&& f, G&& unloadable) {
    auto [s, lock] = locked_slot(seid);
    return with_locked_card_or(*s, seid, std::forward<F>(f), std::forward<G>(unloadable));
  }

  template <class F, class G>
  auto with_locked_card_or(CardSlot& s, const std::string& seid, F&& f, G&& unloadable) {
    if (s.deleted) fail(Errc::not_found, "no card " + seid);
    if (!s.card) {
      try {
        load(s, seid);
      } catch (const Error& e) {
        if (e.code() != Errc::integrity && e.code() != Errc::io) throw;
        return unloadable();
      }
    }
    return f(*s.card);
  }
};

CardService::CardService(store::Store& store, const AppletRegistry& registry)
    : impl_(std::make_unique<Impl>(store, registry)) {}

CardService::~CardService() = default;

std::string CardService::create_card(const CardOptions& options) {
  std::string seid = options.seid.empty() ? to_hex(crypto::random_bytes(8)) : options.seid;
  if (!valid_seid(seid)) fail(Errc::invalid_argument, "a SEID is 1-64 characters of [A-Za-z0-9._-]");
  {
    SlotShard& sh = impl_->shard(seid);
    std::unique_lock lock(sh.mu);
    if (!sh.creating.insert(seid).second) fail(Errc::state, "card " + seid + " exists");
  }
  struct Done {
    Impl& impl;
    const std::string& seid;
    ~Done() {
      SlotShard& sh = impl.shard(seid);
      std::unique_lock lock(sh.mu);
      sh.creating.erase(seid);
    }
  } done{*impl_, seid};
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
  auto [s, card_lock] = impl_->locked_slot(seid);  // waits for a running command
  if (s->deleted) fail(Errc::not_found, "no card " + seid);
  s->settle(true);
  impl_->store.delete_card(seid);
  s->deleted = true;
  s->card.reset();
  SlotShard& sh = impl_->shard(seid);
  std::unique_lock lock(sh.mu);
  sh.slots.erase(seid);
}

std::vector<std::string> CardService::list_cards() const {
  std::vector<std::string> all = impl_->store.list_cards();
  // The store also keeps objects that are not cards (e.g. the audit log, "~audit"): not SEIDs.
  std::erase_if(all, [&](const std::string& s) { return !valid_seid(s) || impl_->being_created(s); });
  return all;
}

bool CardService::exists(const std::string& seid) const { return impl_->exists(seid); }

CardInfo CardService::info(const std::string& seid) {
  return impl_->with_card(seid, [](Card& c) { return c.info(); });
}

// card/state's ATR is written once, at creation, as sesame_atr(), and never changed; a loaded
// card's own copy is asked anyway, so this stays right if per-card ATRs ever come.
Bytes CardService::atr(const std::string& seid) {
  std::shared_ptr<CardSlot> s;
  SlotShard& sh = impl_->shard(seid);
  {
    std::shared_lock lock(sh.mu);
    if (auto it = sh.slots.find(seid); it != sh.slots.end()) s = it->second;
  }
  if (s) {
    std::lock_guard lock(s->mu);
    if (!s->deleted && !s->retired && s->card) return s->card->info().atr;
  }
  if (!impl_->exists(seid)) fail(Errc::not_found, "no card " + seid);
  return sesame_atr();
}

bool CardService::release(const std::string& seid) {
  std::shared_ptr<CardSlot> s;
  SlotShard& sh = impl_->shard(seid);
  {
    std::shared_lock lock(sh.mu);
    auto it = sh.slots.find(seid);
    if (it == sh.slots.end()) return false;
    s = it->second;
  }
  std::lock_guard card_lock(s->mu);  // waits for a running command
  if (s->deleted || s->retired || (s->card && s->card->powered())) return false;
  s->settle(true);  // its CardStore closes below: no commit of it may still be in flight
  const bool loaded = s->card != nullptr;
  // Closing the Card closes its CardStore, which gives the PostgreSQL lease back now, before
  // anyone can load the card again; the map lock is taken only to erase the slot.
  s->card.reset();
  s->retired = true;
  std::unique_lock lock(sh.mu);
  if (auto it = sh.slots.find(seid); it != sh.slots.end() && it->second == s) sh.slots.erase(it);
  return loaded;
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

namespace {
Bytes memory_failure() { return iso7816::ResponseApdu{{}, iso7816::sw_value(iso7816::Sw::memory_failure)}.encode(); }
}  // namespace

Bytes CardService::transmit(const std::string& seid, ByteView command_apdu) {
  return impl_->with_card_or(seid, [&](Card& c) { return c.transmit(command_apdu); }, memory_failure);
}

CardService::Handle CardService::handle(const std::string& seid) {
  Handle h;
  h.seid_ = seid;  // the slot is found on first use
  return h;
}

Bytes CardService::transmit(Handle& card, ByteView command_apdu) {
  const auto lock = impl_->locked_slot(card.slot_, card.seid_);
  return impl_->with_locked_card_or(*card.slot_, card.seid_, [&](Card& c) { return c.transmit(command_apdu); },
                                    memory_failure);
}

Bytes CardService::transmit_deferred(Handle& card, ByteView command_apdu, CommitWaiter& waiter) {
  const auto lock = impl_->locked_slot(card.slot_, card.seid_);
  const std::shared_ptr<CardSlot> slot = card.slot_;
  return impl_->with_locked_card_or(
      *slot, card.seid_,
      [&](Card& c) {
        c.set_commit_sink([&slot, &waiter]() -> store::CardStore::CommitDone {
          auto ticket = std::make_shared<CommitTicket>(slot, waiter.state_);
          return [ticket](std::exception_ptr e) { ticket->finish(!e); };
        });
        struct Unset {
          Card& c;
          ~Unset() { c.set_commit_sink({}); }
        } unset{c};
        return c.transmit(command_apdu);
      },
      memory_failure);
}

}  // namespace sesame::card
