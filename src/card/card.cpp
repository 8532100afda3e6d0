#include "card/card.h"

#include <algorithm>

#include "card/isd.h"
#include "card/key_set.h"
#include "card/security_domain.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::card {
namespace {

using iso7816::CommandApdu;
using iso7816::ResponseApdu;
using iso7816::Sw;
using iso7816::sw_value;

// Status words ISO/IEC 7816-4 leaves to the card, as Java Card and GlobalPlatform code them.
constexpr std::uint16_t kSwAppletSelectFailed = 0x6999;  // Java Card ISO7816.SW_APPLET_SELECT_FAILED
constexpr std::uint16_t kSwWarning = 0x6200;             // warning, state unchanged, no information

ResponseApdu sw(Sw s) { return {{}, sw_value(s)}; }
bool interindustry(const CommandApdu& a) { return (a.cla & 0x80) == 0; }

// data || SW1 SW2, reusing the response's buffer (ResponseApdu::encode copies it).
Bytes encode(ResponseApdu r) {
  Bytes out = std::move(r.data);
  out.reserve(out.size() + 2);
  put_u16(out, r.sw);
  return out;
}

Clock system_clock() {
  return [] { return std::chrono::system_clock::now(); };
}

}  // namespace

void Card::initialise(store::CardStore& store, const std::string& label) {
  // The ISD's SCP03 key set 30 with the GP test keys: a development default (card/key_set.h).
  std::vector<store::Change> changes = default_key_set_changes();
  changes.push_back(store::Change{kCardStateKey, initial_card_state(label).encode()});
  store.commit(changes);
}

Card::Card(std::string seid, std::unique_ptr<store::CardStore> store, const AppletRegistry& registry, Clock clock)
    : seid_(std::move(seid)), store_(std::move(store)), registry_(registry), clock_(clock ? std::move(clock) : system_clock()),
      journal_(*store_) {
  load();
}

Card::~Card() = default;

void Card::load() {
  instances_.clear();
  journal_.load();
  const SecureBytes* rec = journal_.get(kCardStateKey);
  if (!rec) fail(Errc::integrity, "card " + seid_ + " has no state record");
  CardState s = CardState::decode(rec->view());
  std::vector<Instance> inst;
  for (std::size_t i = 0; i < s.applets.size(); ++i) {
    const auto& e = s.applets[i];
    if (i == 0 || e.module == kSsdModule) {  // the ISD, a Supplementary Security Domain (card/security_domain.h)
      inst.push_back({i == 0 ? make_isd(*this) : make_ssd(*this), true, aid_key_prefix(e.aid)});
      continue;
    }
    const AppletModule* m = registry_.find(e.module);
    if (!m) fail(Errc::state, "card " + seid_ + ": applet module " + e.module + " is not available");
    inst.push_back({m->factory(), m->multi_selectable, aid_key_prefix(e.aid)});
  }
  state_ = std::move(s);
  instances_ = std::move(inst);
}

// A memory failure is handled like a tear: the card reloads exactly what its store holds and
// restarts as after a reset, so no in-memory state from the failed command survives.
bool Card::recover() {
  journal_.discard();
  clear_transient();
  try {
    load();
    broken_ = false;
    select_default();
  } catch (...) {
    broken_ = true;
    instances_.clear();
  }
  return !broken_;
}

void Card::mark_broken() {
  journal_.discard();
  broken_ = true;
}

void Card::clear_transient() {
  for (auto& c : channels_) {
    c.open = false;
    c.applet = -1;
    c.session.clear();
    c.pending.clear();
  }
  channels_[0].open = true;
}

void Card::select_default() {
  // The ISD is the default applet (GP §3.4.1 "Card Reset" privilege). Implicit selection runs
  // select() but, as in Java Card, no SELECT command reaches process().
  Channel& c = channels_[0];
  try {
    const CommandApdu select{0x00, 0xA4, 0x04, 0x00, isd_aid(), 256, false};
    AppletContext ctx = context(0, 0, true);
    if (instances_.at(0).applet->select(ctx, select)) c.applet = 0;
    journal_.commit();
  } catch (...) {
    journal_.discard();
    c.applet = -1;
    c.session.clear();
  }
}

Bytes Card::power_on() {
  clear_transient();
  if (broken_) {
    recover();  // reloads and selects the default applet when the store answers
  } else {
    select_default();
  }
  powered_ = true;
  return state_.atr;
}

void Card::power_off() {
  clear_transient();
  powered_ = false;
}

Bytes Card::reset(bool /*warm*/) { return power_on(); }

int Card::index_of(ByteView aid) const {
  for (std::size_t i = 0; i < state_.applets.size(); ++i)
    if (std::equal(aid.begin(), aid.end(), state_.applets[i].aid.begin(), state_.applets[i].aid.end())) return static_cast<int>(i);
  return -1;
}

bool Card::active_elsewhere(int applet, int channel) const {
  for (int i = 0; i < kLogicalChannels; ++i)
    if (i != channel && channels_[i].open && channels_[i].applet == applet) return true;
  return false;
}

Persistent Card::persistent_of(int applet) { return Persistent(journal_, instances_.at(applet).key_prefix); }

ContactlessRegistry Card::contactless_registry() {
  return ContactlessRegistry(persistent_of(0), [this](ByteView aid) -> std::optional<std::uint8_t> {
    const AppletEntry* e = find_entry(state_, aid);
    return e ? std::optional<std::uint8_t>(e->life_cycle) : std::nullopt;
  });
}

AppletContext Card::context(int channel, int applet, bool selecting, SessionState* session) {
  AppletContext ctx(channel, selecting, state_.applets.at(applet).aid, persistent_of(applet),
                    session ? *session : channels_[channel].session, state_.life_cycle, clock_);
  ctx.set_contactless(contactless_registry());
  return ctx;
}

void Card::deselect(int channel) {
  Channel& c = channels_[channel];
  const int applet = c.applet;
  c.applet = -1;
  if (applet >= 0) {
    try {
      AppletContext ctx = context(channel, applet, false);
      instances_.at(applet).applet->deselect(ctx);
    } catch (...) {
      c.session.clear();
      throw;
    }
  }
  c.session.clear();  // CLEAR_ON_DESELECT
}

// An applet's part of a command: its SwError becomes its status word, any other exception 6F00,
// and either way only the writes it buffered are dropped. A store failure passes through.
template <class F>
ResponseApdu Card::contained(F&& body) {
  const std::size_t sp = journal_.savepoint();
  try {
    ResponseApdu r = body();
    journal_.release(sp);
    return r;
  } catch (const StoreFailure&) {
    throw;
  } catch (const iso7816::SwError& e) {
    journal_.rollback(sp);
    return {{}, e.sw()};
  } catch (...) {
    journal_.rollback(sp);
    return sw(Sw::no_precise_diagnosis);
  }
}

// One command's transaction: the body's buffered writes are committed in ONE store commit. A
// failure of the store (StoreFailure, thrown only by the journal; also one the applet caught and
// swallowed) is a memory failure: 6581 and the card reloads from its store. An applet exception
// that merely carries Errc::io or Errc::integrity is the applet's failure: 6F00, nothing reloads.
template <class F>
ResponseApdu Card::guarded(F&& body) {
  recovered_ = false;
  try {
    ResponseApdu r = contained(std::forward<F>(body));
    if (journal_.take_failure()) throw StoreFailure(Error(Errc::io, "store failure caught by an applet"));
    journal_.commit();
    return r;
  } catch (const StoreFailure&) {
    recover();
    recovered_ = true;
    return sw(Sw::memory_failure);
  } catch (...) {
    // The store refused the buffer without failing (e.g. an invalid record key): nothing was written.
    journal_.discard();
    return sw(Sw::no_precise_diagnosis);
  }
}

Bytes Card::transmit(ByteView command) {
  try {
    if (!powered_) power_on();
    if (broken_ && !recover()) return sw(Sw::memory_failure).encode();
    CommandApdu apdu;
    try {
      apdu = CommandApdu::parse(command);
    } catch (const Error&) {
      return sw(Sw::wrong_length).encode();
    }
    return encode(dispatch(apdu));
  } catch (...) {
    // Only a bug gets here (every command path is guarded); fail closed and keep the card usable.
    journal_.discard();
    return sw(Sw::no_precise_diagnosis).encode();
  }
}

ResponseApdu Card::dispatch(const CommandApdu& apdu) {
  const int ch = apdu.channel();
  if (ch < 0) return sw(Sw::cla_not_supported);  // CLA FF (invalid) and 001x xxxx (reserved)
  // INS 6X and 9X are invalid (ISO/IEC 7816-3 §10.3.2: they are procedure bytes in T=0).
  if ((apdu.ins & 0xF0) == 0x60 || (apdu.ins & 0xF0) == 0x90) return sw(Sw::ins_not_supported);
  if (ch >= kLogicalChannels) return sw(Sw::logical_channel_not_supported);
  Channel& c = channels_[ch];
  const bool select_aid = interindustry(apdu) && apdu.ins == 0xA4 && apdu.p1 == 0x04;
  // ISO/IEC 7816-4:2013 §5.1.1.2: a SELECT by DF name on a closed channel opens it.
  if (!c.open && !select_aid) return sw(Sw::logical_channel_not_supported);

  if (interindustry(apdu) && apdu.ins == 0xC0) return get_response(c, apdu);
  c.pending.clear();

  if (state_.life_cycle == CardLifeCycle::terminated) {
    // GP §5.1.1.5: a TERMINATED card answers only GET DATA, from the ISD.
    if (!((apdu.ins == 0xCA || apdu.ins == 0xCB) && c.applet == 0)) return sw(Sw::function_not_supported);
  }
  ResponseApdu r;
  if (interindustry(apdu) && apdu.ins == 0x70) {
    r = manage_channel(ch, apdu);
  } else if (select_aid) {
    r = select_by_aid(ch, apdu);
  } else {
    r = to_applet(ch, apdu);
  }
  return chunk(c, apdu, std::move(r));
}

// A response longer than Ne is returned in parts: the first Ne bytes with 61xx, the rest with
// GET RESPONSE (ISO/IEC 7816-4 §5.3.4 / §11.7.1); the applet's status word ends the last part.
// Without Le (cases 1 and 3) data the applet returns is still sent, as T=1 and contactless cards
// answer a case 3 SELECT with its FCI, but never more than a short (256) or, for an extended
// command, an extended (65536) Le would allow (docs/CARD-RUNTIME.md, "Responses without Le").
ResponseApdu Card::chunk(Channel& c, const CommandApdu& apdu, ResponseApdu r) {
  const std::size_t ne = apdu.ne != 0 ? apdu.ne : apdu.extended ? 65536 : 256;
  if (r.data.size() <= ne) return r;
  c.pending = SecureBytes(ByteView(r.data).subspan(ne));
  c.pending_sw = r.sw;
  r.data.resize(ne);
  r.sw = iso7816::sw_bytes_remaining(static_cast<std::uint8_t>(std::min<std::size_t>(c.pending.size(), 256)));
  return r;
}

ResponseApdu Card::get_response(Channel& c, const CommandApdu& apdu) {
  if (c.pending.empty()) return sw(Sw::conditions_not_satisfied);
  if (apdu.p1 != 0 || apdu.p2 != 0) return sw(Sw::incorrect_p1p2);
  if (!apdu.data.empty()) return sw(Sw::wrong_length);
  const std::size_t n = std::min(apdu.ne == 0 ? std::size_t{256} : apdu.ne, c.pending.size());
  ResponseApdu r{Bytes(c.pending.data(), c.pending.data() + n), c.pending_sw};
  c.pending = SecureBytes(c.pending.view().subspan(n));
  if (!c.pending.empty())
    r.sw = iso7816::sw_bytes_remaining(static_cast<std::uint8_t>(std::min<std::size_t>(c.pending.size(), 256)));
  return r;
}

ResponseApdu Card::to_applet(int channel, const CommandApdu& apdu) {
  Channel& c = channels_[channel];
  // No application selected on this channel: ISO/IEC 7816-4 gives no dedicated status word; we
  // answer 6A82 "file or application not found", as GP §11.9.2 does for a failed selection.
  if (c.applet < 0) return sw(Sw::file_not_found);
  Applet& applet = *instances_.at(c.applet).applet;
  if (apdu.chained() && !applet.supports_chaining()) return sw(Sw::command_chaining_not_supported);
  if (apdu.secure_messaging() && !applet.supports_secure_messaging()) return sw(Sw::secure_messaging_not_supported);
  const int index = c.applet;
  return guarded([&] {
    AppletContext ctx = context(channel, index, false);
    return applet.process(apdu, ctx);
  });
}

ResponseApdu Card::select_by_aid(int channel, const CommandApdu& apdu) {
  Channel& c = channels_[channel];
  if (apdu.secure_messaging()) return sw(Sw::secure_messaging_not_supported);
  if (apdu.chained()) return sw(Sw::command_chaining_not_supported);
  // P2 (ISO/IEC 7816-4 §11.2.2 Table 40): b8..b5 = 0; b4b3 response type (left to the applet);
  // b2b1 00 first or only occurrence, 10 next occurrence. Last/previous are not supported.
  const std::uint8_t occurrence = apdu.p2 & 0x03;
  if ((apdu.p2 & 0xF0) != 0 || occurrence == 0x01 || occurrence == 0x03) return sw(Sw::incorrect_p1p2);

  const ByteView name = apdu.data;
  auto matches = [&](int i) {
    const Bytes& aid = state_.applets[i].aid;
    return aid.size() >= name.size() && std::equal(name.begin(), name.end(), aid.begin());
  };
  // GP §11.9.2: an application in the INSTALLED or LOCKED state is not selectable, and in
  // CARD_LOCKED only the ISD is; such a SELECT is handled as "not found".
  auto eligible = [&](int i) {
    if (i == 0) return true;
    if (state_.life_cycle == CardLifeCycle::card_locked) return false;
    return applet_selectable(state_.applets[i].life_cycle);
  };
  int candidate = -1;
  bool named_applet = false;  // the name matches some selectable applet (before or after the current one)
  if (name.empty()) {
    candidate = 0;  // GP §11.9.2.3: SELECT without data selects the ISD
  } else if (name.size() >= 5 && name.size() <= 16) {  // partial names from the RID (5 bytes) on
    // Next occurrence (ISO/IEC 7816-4 §7.1.1, P2 b2b1 = 10; GP §11.9.2.2): the search continues
    // after the applet selected on the channel if it matches the name, else it starts at the top.
    int start = 0;
    if (occurrence == 0x02 && c.open && c.applet >= 0 && matches(c.applet)) start = c.applet + 1;
    for (int i = 0; i < static_cast<int>(state_.applets.size()); ++i) {
      if (!matches(i) || !eligible(i)) continue;
      named_applet = true;
      if (i >= start) {
        candidate = i;
        break;
      }
    }
  }
  if (candidate < 0) {
    // The name matches applets but none after the current one: there is no next occurrence
    // (6A82, GP §11.9.2.2), and the current applet stays selected.
    if (named_applet) return sw(Sw::file_not_found);
    // Java Card 3 RE §4.5.2: a SELECT that names no applet goes to the selected applet (DF names).
    if (c.open && c.applet >= 0) return to_applet(channel, apdu);
    return sw(Sw::file_not_found);
  }
  if (active_elsewhere(candidate, channel) && !instances_.at(candidate).multi_selectable)
    return sw(Sw::conditions_not_satisfied);

  const bool implicit_open = !c.open;
  c.open = true;
  // One command, one commit: the old applet's deselect() and the new applet's select() and
  // process() buffer into the same transaction. Each applet's failure drops only its own writes:
  // an exception from deselect() is ignored and the applet is deselected anyway (Java Card 3 RE,
  // Applet.deselect), and a refused select() or a failing process() keeps the deselect's writes.
  ResponseApdu r = guarded([&] {
    contained([&] {
      deselect(channel);
      return ResponseApdu{};
    });
    return contained([&] {
      AppletContext ctx = context(channel, candidate, true);
      Applet& applet = *instances_.at(candidate).applet;
      if (!applet.select(ctx, apdu)) throw iso7816::SwError(kSwAppletSelectFailed);
      c.applet = candidate;
      return applet.process(apdu, ctx);
    });
  });
  if (recovered_) return r;  // the card restarted as after a reset
  if (c.applet < 0) {
    c.session.clear();
    if (implicit_open) c.open = false;
  }
  // GP Table 11-88: selecting the ISD of a CARD_LOCKED card warns with 6283.
  if (candidate == 0 && c.applet == 0 && r.sw == 0x9000 && state_.life_cycle == CardLifeCycle::card_locked)
    r.sw = sw_value(Sw::warning_selected_deactivated);
  return r;
}

// MANAGE CHANNEL (ISO/IEC 7816-4 §11.1.2), with the status words of Java Card 3 RE §4.5.1/§4.6.1.
ResponseApdu Card::manage_channel(int channel, const CommandApdu& apdu) {
  if (apdu.secure_messaging()) return sw(Sw::secure_messaging_not_supported);
  if (apdu.chained()) return sw(Sw::command_chaining_not_supported);
  if (apdu.p1 != 0x00 && apdu.p1 != 0x80) return sw(Sw::function_not_supported);
  if (!apdu.data.empty()) return sw(Sw::wrong_length);
  if (apdu.p1 == 0x80) {
    const int target = apdu.p2 == 0 ? channel : apdu.p2;
    if (target == 0 || target > 19) return sw(Sw::function_not_supported);  // the basic channel never closes
    if (target >= kLogicalChannels || !channels_[target].open) return {{}, kSwWarning};
    // One commit for the deselect's writes; its exceptions are ignored (the channel closes anyway).
    const ResponseApdu d = guarded([&] {
      contained([&] {
        deselect(target);
        return ResponseApdu{};
      });
      return ResponseApdu{};
    });
    if (recovered_) return d;
    channels_[target] = Channel{};
    return {};
  }
  int target = apdu.p2;
  if (target == 0) {
    for (int i = 1; i < kLogicalChannels && target == 0; ++i)
      if (!channels_[i].open) target = i;
    if (target == 0) return sw(Sw::function_not_supported);  // no channel left
  } else if (target >= kLogicalChannels || channels_[target].open) {
    return sw(Sw::incorrect_p1p2);
  }
  // From the basic channel the default applet is selected on the new one; from another channel
  // the applet selected there.
  const int candidate = channel == 0 ? 0 : channels_[channel].applet;
  if (candidate >= 0 && active_elsewhere(candidate, target) && !instances_.at(candidate).multi_selectable)
    return sw(Sw::conditions_not_satisfied);
  Channel& t = channels_[target];
  t = Channel{};
  t.open = true;
  if (candidate >= 0) {
    const CommandApdu select{0x00, 0xA4, 0x04, 0x00, state_.applets[candidate].aid, 256, false};
    ResponseApdu s = guarded([&] {
      AppletContext ctx = context(target, candidate, true);
      if (!instances_.at(candidate).applet->select(ctx, select)) throw iso7816::SwError(kSwAppletSelectFailed);
      t.applet = candidate;
      return ResponseApdu{};
    });
    if (!s.ok()) {
      if (!recovered_) t = Channel{};
      return s;
    }
  }
  ResponseApdu r;
  if (apdu.p2 == 0) r.data.push_back(static_cast<std::uint8_t>(target));
  return r;
}

CardInfo Card::info() const {
  CardInfo i;
  i.seid = seid_;
  i.atr = state_.atr;
  i.life_cycle = state_.life_cycle;
  i.powered = powered_;
  for (std::size_t k = 0; k < state_.applets.size(); ++k) {
    const auto& e = state_.applets[k];
    i.applets.push_back({e.aid, e.module, k == 0 ? static_cast<std::uint8_t>(state_.life_cycle) : e.life_cycle, k == 0});
  }
  return i;
}

}  // namespace sesame::card
