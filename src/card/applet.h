// The applet contract (the Java Card Applet model, reduced): the runtime selects an applet on a
// logical channel, hands it every command for that channel, and keeps its state:
//  - persistent():  records in the card's store, committed per command (all or nothing);
//  - session<T>():  transient state per channel (Java Card CLEAR_ON_DESELECT), destroyed on
//                   deselect, channel close, reset and power off — PIN-verified flags, SM keys.
// Applet members may hold only structure built in the constructor (file layout, policies); the
// runtime may destroy and recreate an instance at any time (after a memory failure), so any state
// lives in persistent() or session().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <typeindex>

#include "card/card_service.h"
#include "card/contactless_registry.h"
#include "card/persistent.h"
#include "iso7816/apdu.h"
#include "iso7816/status_word.h"
#include "util/bytes.h"

namespace sesame::card {

using Clock = std::function<std::chrono::system_clock::time_point()>;

class SessionState {
 public:
  // One T per owner: `owner` tells apart several objects of one type that each keep session state
  // (two FileSystems in one applet each have their own current DF/EF). 0 = the applet's own.
  template <class T>
  T& get(std::uint64_t owner = 0) {
    auto& slot = objects_[Key{std::type_index(typeid(T)), owner}];
    if (!slot) slot = std::make_shared<T>();
    return *static_cast<T*>(slot.get());
  }
  void clear() { objects_.clear(); }

 private:
  struct Key {
    std::type_index type;
    std::uint64_t owner;
    bool operator<(const Key& o) const { return type != o.type ? type < o.type : owner < o.owner; }
  };
  std::map<Key, std::shared_ptr<void>> objects_;
};

class AppletContext {
 public:
  AppletContext(int channel, bool selecting, ByteView instance_aid, Persistent persistent,
                SessionState& session, CardLifeCycle card_life_cycle, const Clock& clock)
      : channel_(channel), selecting_(selecting), aid_(instance_aid), persistent_(std::move(persistent)),
        session_(&session), card_life_cycle_(card_life_cycle), clock_(&clock) {}

  int channel() const { return channel_; }
  // True while the applet processes the SELECT that selected it (Java Card selectingApplet()).
  bool selecting() const { return selecting_; }
  ByteView instance_aid() const { return aid_; }
  Persistent& persistent() { return persistent_; }
  template <class T>
  T& session(std::uint64_t owner = 0) {
    return session_->get<T>(owner);
  }
  Bytes random(std::size_t n) const;
  std::chrono::system_clock::time_point now() const { return (*clock_)(); }
  CardLifeCycle card_life_cycle() const { return card_life_cycle_; }
  // The card's Contactless Registry Service (GP Amendment C, card/contactless_registry.h), or null
  // when the runtime offers none (e.g. a test context).
  ContactlessRegistry* contactless() { return contactless_ ? &*contactless_ : nullptr; }
  void set_contactless(ContactlessRegistry registry) { contactless_.emplace(std::move(registry)); }

 private:
  int channel_;
  bool selecting_;
  ByteView aid_;
  Persistent persistent_;
  SessionState* session_;
  CardLifeCycle card_life_cycle_;
  const Clock* clock_;
  std::optional<ContactlessRegistry> contactless_;
};

class Applet {
 public:
  virtual ~Applet() = default;
  // First personalisation, once, when the instance is created (GP INSTALL [for install] C9 data).
  // Throwing refuses the installation; nothing it wrote is kept.
  virtual void install(AppletContext&, ByteView /*install_params*/) {}
  // GP STORE DATA personalisation (docs/GP.md): one Data Grouping Identifier sent to this application
  // after INSTALL [for personalization]. `value` is already decrypted when the command carried it
  // encrypted under K-DEK (`encrypted` says so: an applet may insist on it for secrets); `last` marks
  // the final DGI of the sequence. The ISD calls this for every DGI of a complete sequence inside ONE
  // transaction, so a status word thrown by any call applies none of them. Unknown DGIs: 6A88. The
  // default refuses: 6985, this application takes no personalisation.
  virtual void personalise_dgi(AppletContext&, std::uint16_t /*dgi*/, ByteView /*value*/, bool /*encrypted*/, bool /*last*/) {
    iso7816::throw_sw(iso7816::Sw::conditions_not_satisfied);
  }
  // Return false to refuse selection (the runtime answers 6999).
  virtual bool select(AppletContext&, const iso7816::CommandApdu& /*select_apdu*/) { return true; }
  virtual void deselect(AppletContext&) {}
  // End a command with iso7816::throw_sw(...) or return a response; the SELECT that selected the
  // applet arrives here too, with ctx.selecting() true.
  virtual iso7816::ResponseApdu process(const iso7816::CommandApdu& apdu, AppletContext& ctx) = 0;
  // Without these the runtime answers 6884 / 6882 itself.
  virtual bool supports_chaining() const { return false; }
  virtual bool supports_secure_messaging() const { return false; }
};

// The usual answer to the selecting SELECT by AID (ISO/IEC 7816-4 §11.2.2, P2 b4b3): FCI template
// '6F' { '84' instance AID } for P2 b4b3 = 00/01/10, no data for 11 ('0C').
iso7816::ResponseApdu default_select_response(const iso7816::CommandApdu& select_apdu, ByteView aid);

}  // namespace sesame::card
