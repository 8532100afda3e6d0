// One hosted secure element: ATR, power and resets, four logical channels, applet selection and
// dispatch, and the per-command transaction over the card's store (docs/CARD-RUNTIME.md).
// Not thread-safe: CardService runs one command at a time per card.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "card/applet.h"
#include "card/applet_registry.h"
#include "card/card_service.h"
#include "card/card_state.h"
#include "card/record_journal.h"
#include "iso7816/apdu.h"
#include "store/store.h"
#include "util/secure_buffer.h"

namespace sesame::card {

inline constexpr int kLogicalChannels = 4;

class Card {
 public:
  // Writes a fresh card's state record (SECURED, ISD only) into an empty card store.
  static void initialise(store::CardStore& store, const std::string& label);

  // Loads the card from its store. Throws Error(Errc::integrity) for records that fail to verify
  // or decode, Error(Errc::state) for an applet module the registry does not have.
  Card(std::string seid, std::unique_ptr<store::CardStore> store, const AppletRegistry& registry, Clock clock = {});
  ~Card();
  Card(const Card&) = delete;
  Card& operator=(const Card&) = delete;

  const std::string& seid() const { return seid_; }
  bool powered() const { return powered_; }
  Bytes power_on();  // a cold reset when already powered
  void power_off();
  // Warm and cold reset have the same effect here: transient state cleared, channels 1-3 closed,
  // the default applet (the ISD) selected on channel 0.
  Bytes reset(bool warm);

  // One command APDU in, one response APDU out. Never throws.
  Bytes transmit(ByteView command);
  // While a sink is set (CardService::transmit_deferred), the card's commits are submitted without
  // waiting for durability, each with the callback the sink returns (RecordJournal::set_async).
  // put_now() still waits: an anti-tearing counter is durable before the operation it guards.
  void set_commit_sink(RecordJournal::AsyncSink sink) { journal_.set_async(std::move(sink)); }
  // A submitted commit failed, so the card's image is ahead of its store: the next command or
  // power-on reloads the card from the store, as after a memory failure.
  void mark_broken();

  // Administration (CardService). Throw sesame::Error; nothing changes when they throw.
  void install_applet(const std::string& module, ByteView instance_aid, ByteView install_params);
  // GP INSTALL [for install] (card/card_content.h): also the registry entry's privileges and its
  // associated Security Domain (empty: the ISD). `module` may be kSsdModule (card/security_domain.h).
  void install_applet(const std::string& module, ByteView instance_aid, ByteView install_params,
                      const std::array<std::uint8_t, 3>& privileges, ByteView security_domain);
  // GP INSTALL [for extradition]: associates an application with another Security Domain.
  void set_security_domain(ByteView instance_aid, ByteView security_domain);
  // Deleting a Security Domain that still has associated applications fails with Errc::state.
  void delete_applet(ByteView instance_aid);
  // GP §5.1.1 transitions: OP_READY -> INITIALIZED -> SECURED <-> CARD_LOCKED, any -> TERMINATED.
  void set_life_cycle(CardLifeCycle life_cycle);
  // GP §5.3.1: 03 INSTALLED, 07 SELECTABLE, application-specific (b3..b1 = 111), LOCKED (b8 set).
  void set_applet_life_cycle(ByteView instance_aid, std::uint8_t life_cycle);
  CardInfo info() const;
  // For the ISD's STORE DATA (defined in card/store_data.cpp): runs `f` with the applet
  // `instance_aid` (not the ISD) and a context on its records, inside the transaction of the command
  // being processed. Throws Error(Errc::not_found) for an unknown AID.
  void personalise_applet(ByteView instance_aid, const std::function<void(Applet&, AppletContext&)>& f);

  // The ISD's records, for a Supplementary Security Domain's delegated management (the ISD owner's
  // token and receipt keys, the confirmation counter: card/delegated_management.h).
  Persistent isd_records() { return persistent_of(0); }

  // Read access for the Issuer Security Domain.
  const CardState& state() const { return state_; }
  const AppletRegistry& registry() const { return registry_; }

 private:
  struct Instance {
    std::unique_ptr<Applet> applet;
    bool multi_selectable = false;
    std::string key_prefix;  // aid_key_prefix(AID), built once: every command's Persistent points here
  };
  struct Channel {
    bool open = false;
    int applet = -1;  // index into state_.applets / instances_
    SessionState session;
    SecureBytes pending;  // response bytes left for GET RESPONSE (may be secret: wiped when dropped)
    std::uint16_t pending_sw = 0x9000;
  };

  void load();
  bool recover();
  void clear_transient();
  void select_default();
  int index_of(ByteView aid) const;
  bool active_elsewhere(int applet, int channel) const;
  AppletContext context(int channel, int applet, bool selecting, SessionState* session = nullptr);
  Persistent persistent_of(int applet);
  ContactlessRegistry contactless_registry();  // over the ISD's records (card/contactless_registry.h)
  void deselect(int channel);

  template <class F>
  iso7816::ResponseApdu contained(F&& body);
  template <class F>
  iso7816::ResponseApdu guarded(F&& body);
  iso7816::ResponseApdu dispatch(const iso7816::CommandApdu& apdu);
  iso7816::ResponseApdu select_by_aid(int channel, const iso7816::CommandApdu& apdu);
  iso7816::ResponseApdu manage_channel(int channel, const iso7816::CommandApdu& apdu);
  iso7816::ResponseApdu to_applet(int channel, const iso7816::CommandApdu& apdu);
  iso7816::ResponseApdu get_response(Channel& c, const iso7816::CommandApdu& apdu);
  iso7816::ResponseApdu chunk(Channel& c, const iso7816::CommandApdu& apdu, iso7816::ResponseApdu r);

  std::string seid_;
  std::unique_ptr<store::CardStore> store_;
  const AppletRegistry& registry_;
  Clock clock_;
  RecordJournal journal_;
  CardState state_;
  std::vector<Instance> instances_;
  std::array<Channel, kLogicalChannels> channels_;
  bool powered_ = false;
  bool broken_ = false;     // the store could not be reloaded after a memory failure
  bool recovered_ = false;  // the last guarded() hit a memory failure and restarted the card
};

}  // namespace sesame::card
