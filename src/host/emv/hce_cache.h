// HCE cache mode (the "SIMulation" design of P. Urien): a phone-side proxy that is itself a Reader
// for the POS kernel. It answers the static commands (SELECT PPSE, SELECT of a cached application,
// GET PROCESSING OPTIONS, READ RECORD of the AFL records) from a cache filled once from the card,
// and forwards to the card in the cloud only what must run there: GENERATE AC (and what follows it:
// GENERATE AC 2, issuer scripts), INTERNAL AUTHENTICATE, GET DATA, any other command. The first
// forwarded command of a transaction travels in one round trip with what the card strictly needs
// before it: SELECT of the application, CHECK STATIC DATA (the cache's digest, refused by a card
// whose static data changed, before it spends an ATC) and the kernel's GET PROCESSING OPTIONS
// (which increments the card's ATC and gives it the PDOL data that CDA signs). Design, wire format
// and why: docs/EMV.md, "HCE cache mode".
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/racs/racs_client.h"
#include "host/reader.h"
#include "util/bytes.h"

namespace sesame::host::emv {

// How the proxy reaches the card: one exchange, one network round trip, carries several command
// APDUs. Every command but the last is guarded by the status word it must answer; the exchange
// stops at the first guarded command that answers another one.
class CardLink {
 public:
  struct Command {
    Bytes apdu;
    std::optional<std::uint16_t> guard;  // the status word this command must answer
  };
  struct Result {
    std::vector<Bytes> responses;          // data || SW1 SW2 of each command (all of them unless stopped)
    std::optional<std::size_t> stopped_at;  // the guarded command whose status word differed
  };
  virtual ~CardLink() = default;
  virtual std::string name() const = 0;
  virtual Bytes connect() = 0;
  virtual void disconnect() = 0;
  virtual Bytes reset(bool warm) = 0;
  // Error(Errc::io) when the card cannot be reached.
  virtual Result exchange(const std::vector<Command>& commands) = 0;
  std::uint64_t round_trips() const { return round_trips_; }

 protected:
  std::uint64_t round_trips_ = 0;
};

// Over any Reader (in process, PC/SC): the commands one at a time (a round trip each, counted as one
// exchange).
class ReaderLink final : public CardLink {
 public:
  explicit ReaderLink(Reader& reader) : reader_(reader) {}
  std::string name() const override { return reader_.name(); }
  Bytes connect() override { return reader_.connect(); }
  void disconnect() override { reader_.disconnect(); }
  Bytes reset(bool warm) override { return reader_.reset(warm); }
  Result exchange(const std::vector<Command>& commands) override;

 private:
  Reader& reader_;
};

// Over RACS: one request per exchange, the guards as CONTINUE=SW1SW2 (sesamed stops the request
// with -006 at the first guard that fails), MORE=61 for cards that answer 61xx.
class RacsLink final : public CardLink {
 public:
  RacsLink(std::shared_ptr<racs::RacsClient> client, std::string seid);
  std::string name() const override;
  Bytes connect() override;  // POWERON
  void disconnect() override;
  Bytes reset(bool warm) override;
  Result exchange(const std::vector<Command>& commands) override;

 private:
  std::shared_ptr<racs::RacsClient> client_;
  std::string seid_;
};

class HceCache final : public Reader {
 public:
  // The link stays owned by the caller and must outlive the cache.
  explicit HceCache(CardLink& link) : link_(link) {}

  // Fills the cache from the card: SELECT PPSE, then for each application of its directory SELECT,
  // GET PROCESSING OPTIONS (PDOL data all zero: this spends one ATC on the card) and READ RECORD of
  // every AFL record, then CHECK STATIC DATA to learn whether the card can check the cache itself
  // (else each transaction re-reads the records in its round trip and compares them).
  // Error(Errc::state / parse) when the card does not answer as a payment card must.
  void fill();
  bool filled() const { return !apps_.empty(); }
  // The cache as JSON (the phone keeps it between transactions: it holds what the card gives any
  // terminal, PAN and name included, but no key or code), and back. load() checks the form and that each application's digest
  // is the one of its answers; Error(Errc::parse) otherwise, the cache then empty.
  std::string save() const;
  void load(std::string_view json);
  // A transaction found the card's static data different from the cache: every command is refused
  // (Error(Errc::state)) until the cache is filled again.
  bool stale() const { return stale_; }
  // Applications cached (AIDs), and whether the card checks the digest (CHECK STATIC DATA).
  std::vector<Bytes> applications() const;
  bool card_checks_digest(const Bytes& aid) const { return apps_.at(aid).card_checks_digest; }
  // Network round trips (link exchanges) since construction, the fill included.
  std::uint64_t round_trips() const { return link_.round_trips(); }

  std::string name() const override { return "HCE cache: " + link_.name(); }
  Bytes connect() override;  // the card's ATR through the link (no round trip counted)
  void disconnect() override;
  Bytes reset(bool warm) override;
  Bytes transmit_raw(ByteView command_apdu) override;

 private:
  struct App {
    Bytes select_response;  // data || SW of SELECT
    Bytes gpo_response;     // data || SW of GET PROCESSING OPTIONS
    std::map<std::uint16_t, Bytes> records;  // (SFI << 8 | number) -> data || SW
    std::vector<std::uint16_t> record_order;  // AFL order
    Bytes digest;
    bool card_checks_digest = false;
  };
  enum class Selected { none, ppse, app, other };

  Bytes forward(ByteView command_apdu);
  [[noreturn]] void stale_error(const std::string& why);

  CardLink& link_;
  Bytes ppse_response_;
  std::map<Bytes, App> apps_;
  bool stale_ = false;
  // The kernel's view of the current transaction.
  Selected selected_ = Selected::none;
  Bytes aid_;                    // the selected cached application
  std::optional<Bytes> gpo_;     // the kernel's GET PROCESSING OPTIONS command, answered from the cache
  bool in_sync_ = false;         // the card has been brought to the kernel's state: forward directly
};

}  // namespace sesame::host::emv
