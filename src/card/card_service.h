// The one entry point every transport (CLI, RACS, vpcd, HTTPS services, in-process readers) uses
// to reach hosted cards. Thread-safe: a card executes one APDU at a time; different cards run
// concurrently with no lock shared between them on the APDU path.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "card/commit_waiter.h"
#include "util/bytes.h"

namespace sesame::store {
class Store;
}

namespace sesame::card {

class AppletRegistry;
struct CardSlot;

// GlobalPlatform card life cycle (GP Card Specification 2.3, §5.1.1), coded as in GET STATUS.
enum class CardLifeCycle : std::uint8_t {
  op_ready = 0x01,
  initialized = 0x07,
  secured = 0x0F,
  card_locked = 0x7F,
  terminated = 0xFF,
};

struct AppletInfo {
  Bytes aid;               // instance AID
  std::string module;      // applet module name in the registry, e.g. "sesame.demo"
  std::uint8_t life_cycle; // GP application life cycle byte (03 INSTALLED, 07 SELECTABLE, 83 LOCKED, ...)
  bool security_domain;    // true for the Issuer Security Domain
};

struct CardInfo {
  std::string seid;
  Bytes atr;
  CardLifeCycle life_cycle;
  bool powered;
  std::vector<AppletInfo> applets;
};

struct CardOptions {
  std::string seid;  // empty: a fresh random SEID is chosen
  std::string label; // free text shown by LIST-like commands
};

class CardService {
 public:
  CardService(store::Store& store, const AppletRegistry& registry);
  ~CardService();
  CardService(const CardService&) = delete;
  CardService& operator=(const CardService&) = delete;

  // Creates a card in SECURED state holding its Issuer Security Domain. Returns the SEID.
  // A SEID is 1-64 characters of [A-Za-z0-9._-]. Throws Error(Errc::state) if it exists.
  std::string create_card(const CardOptions& options);
  void delete_card(const std::string& seid);
  std::vector<std::string> list_cards() const;  // SEIDs only (the store keeps other objects too)
  bool exists(const std::string& seid) const;
  CardInfo info(const std::string& seid);
  // The card's ATR without loading it (and so, on PostgreSQL, without taking its lease): what
  // pcscd's polling through vpcd asks. Throws Error(Errc::not_found) for an unknown SEID.
  Bytes atr(const std::string& seid);

  // Drops the card from memory if it is loaded, powered off and no call is running on it (waits for
  // a running one): its CardStore closes, so on PostgreSQL its lease is given back at once. The next
  // call loads it again from the store; nothing persistent is lost (a powered-off card holds no
  // session state). A powered card, an unknown or deleted SEID: nothing happens. Returns whether a
  // loaded card was closed. Transports call it when they power a card off and give it back.
  bool release(const std::string& seid);

  // Creates an applet instance of `module` with `instance_aid` (5-16 bytes) and hands it
  // `install_params` (the applet-specific parameters of GP INSTALL [for install], C9 content).
  // The instance is SELECTABLE afterwards.
  void install_applet(const std::string& seid, const std::string& module, ByteView instance_aid,
                      ByteView install_params);
  void delete_applet(const std::string& seid, ByteView instance_aid);

  // Life cycles, for administration until the ISD's SET STATUS exists (GP §5.1.1 / §5.3.1).
  // Card: OP_READY -> INITIALIZED -> SECURED <-> CARD_LOCKED, any -> TERMINATED; else
  // Error(Errc::state). Applet: 03 INSTALLED, 07 SELECTABLE, application-specific (b3..b1 = 111),
  // LOCKED = b8 set; the ISD's is the card's (Error(Errc::invalid_argument)).
  void set_life_cycle(const std::string& seid, CardLifeCycle life_cycle);
  void set_applet_life_cycle(const std::string& seid, ByteView instance_aid, std::uint8_t life_cycle);

  // Power and reset. Return the ATR. transmit() on a card that is off powers it on first.
  // A card whose stored records fail to load (Errc::integrity or Errc::io from the store) still
  // powers on and answers the ATR; see transmit().
  Bytes power_on(const std::string& seid);
  void power_off(const std::string& seid);
  Bytes reset(const std::string& seid, bool warm);

  // One command APDU in, one response APDU (data || SW1 SW2) out. Never throws for anything an
  // APDU can contain: malformed input gets its ISO status word. A card whose stored records fail
  // to load answers every command 6581 (memory failure) and is loaded again on the next call.
  // Throws Error(Errc::not_found) for an unknown SEID, Error(Errc::state) for a card needing an
  // applet module the registry does not have. info() and the administration calls still throw
  // Error(Errc::integrity) / Error(Errc::io) for a card that fails to load.
  Bytes transmit(const std::string& seid, ByteView command_apdu);

  // A caller's reference to one card (e.g. a RACS session that holds it). transmit(Handle&) does
  // what transmit(seid) does without looking the SEID up in the card map under its shard lock,
  // which every I/O thread would otherwise take on every APDU. A handle stays valid across
  // release() and delete_card(): it finds the card again, or throws Error(Errc::not_found).
  class Handle {
   public:
    Handle() = default;
    const std::string& seid() const { return seid_; }

   private:
    friend class CardService;
    std::string seid_;
    std::shared_ptr<CardSlot> slot_;  // empty until first use or after the slot was retired
  };
  // Does not look the card up: an unknown SEID throws Error(Errc::not_found) on first transmit.
  Handle handle(const std::string& seid);
  Bytes transmit(Handle& card, ByteView command_apdu);

  // transmit(Handle&) without waiting for the durable commit the command makes: the commit is
  // submitted to the store and `waiter` tracks it, so an I/O thread can serve other sessions while
  // the store's writer makes a group of commits durable with one fsync. The response may be sent
  // only once waiter.when_done reports ok; if it reports a failure, the response must not be used
  // (the card reloads from its store before its next command, as after a memory failure; answer
  // as for 6581). Later commands to the card may be sent before the commit finished: the store
  // applies one card's commits in order. On a store that commits synchronously (memory,
  // PostgreSQL) the commit is finished when this returns. Anti-tearing counters (put_now) are
  // still made durable before the operation they guard.
  Bytes transmit_deferred(Handle& card, ByteView command_apdu, CommitWaiter& waiter);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sesame::card
