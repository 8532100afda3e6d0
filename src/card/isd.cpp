#include "card/isd.h"

#include <vector>

#include "card/card.h"
#include "card/card_content.h"
#include "card/delegated_management.h"
#include "card/key_set.h"
#include "card/scp03_session.h"
#include "card/security_domain.h"
#include "card/set_status.h"
#include "card/store_data.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::card {
namespace {

using iso7816::CommandApdu;
using iso7816::ResponseApdu;
using iso7816::Sw;
using iso7816::throw_sw;

constexpr std::uint16_t kSwMoreData = 0x6310;  // GP Table 11-34: more data available
constexpr std::uint8_t kElfLoaded = 0x01;      // GP §5.3.1: executable load file LOADED

// {globalPlatform} = 1.2.840.114283 (GP 2.3 §H.1)
const Bytes kGpOid{0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B};

Bytes oid(std::initializer_list<std::uint8_t> arcs) {
  Bytes v = kGpOid;
  v.insert(v.end(), arcs);
  return tlv_encode(0x06, v);
}

struct StatusSession {
  std::vector<Bytes> remaining;  // encoded entries not yet sent
  std::uint8_t p1 = 0, p2 = 0;
};

bool has_prefix(ByteView aid, ByteView prefix) {
  return aid.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), aid.begin());
}

class Isd final : public Applet {
 public:
  Isd(Card& card, bool issuer) : card_(card), issuer_(issuer) {}

  bool supports_secure_messaging() const override { return true; }

  // A Supplementary Security Domain starts with key set 30 holding the GP test keys, like a new
  // card's ISD: a development default its provider replaces with PUT KEY through its own secure
  // channel (docs/GP.md).
  void install(AppletContext& ctx, ByteView /*install_params*/) override {
    if (!issuer_) store_key_set(ctx.persistent(), kDefaultKeyVersion, gp_test_keys());
  }

  ResponseApdu process(const CommandApdu& apdu, AppletContext& ctx) override {
    if (ctx.selecting()) return select_response(apdu, ctx);
    // A SELECT no applet took (forwarded by the runtime): the ISD has no DFs. Like the OPEN's own
    // SELECT handling it is outside secure messaging and leaves the session alone.
    if ((apdu.cla & 0x80) == 0 && apdu.ins == 0xA4) throw_sw(Sw::file_not_found);
    auto& scp = ctx.session<Scp03Session>();
    auto& perso = ctx.session<PersonalisationSession>();
    const bool gp_class = (apdu.cla & 0x80) != 0;
    // A personalisation sequence lives only inside the secure channel that began it.
    if (!scp.authenticated()) perso.clear();
    if (gp_class && apdu.ins == 0x50) {  // INITIALIZE UPDATE: never protected itself
      perso.clear();
      if (apdu.secure_messaging()) {
        scp.close();
        throw_sw(Sw::secure_messaging_not_supported);
      }
      return scp.initialize_update(apdu, ctx, key_diversification_data());
    }
    if (gp_class && apdu.ins == 0x82) {
      perso.clear();
      return scp.external_authenticate(apdu, ctx);
    }
    // Any other command between INITIALIZE UPDATE and EXTERNAL AUTHENTICATE abandons the initiation.
    if (scp.state() == Scp03Session::State::initialized) scp.close();
    if (scp.authenticated()) {
      CommandApdu plain;
      try {
        plain = scp.unwrap(apdu);  // 6982 and the session closed when it does not verify
      } catch (...) {
        perso.clear();  // the channel is gone, and with it any personalisation begun in it
        throw;
      }
      return run_in_session(plain, ctx, scp);
    }
    if (apdu.secure_messaging()) throw_sw(Sw::security_status_not_satisfied);  // no session to unwrap it
    return command(apdu, ctx, scp);
  }

 private:
  struct Running {
    bool yes = false;
  };

  // A command may end this channel's selection while it runs: an SSD with the Card Lock privilege
  // locking the card is deselected by Card::set_life_cycle, which clears the channel's session and
  // with it the Scp03Session. So the session is held here for the command, its answer protected with
  // it, and only then put back — unless the channel's session was cleared meanwhile.
  ResponseApdu run_in_session(const CommandApdu& plain, AppletContext& ctx, Scp03Session& scp) {
    ctx.session<Running>().yes = true;
    Scp03Session active = std::move(scp);
    auto put_back = [&] {
      auto& running = ctx.session<Running>();  // a fresh one (yes == false) after a clear
      if (running.yes) ctx.session<Scp03Session>() = std::move(active);
      running.yes = false;
    };
    ResponseApdu r;
    try {
      r = active.wrap(command(plain, ctx, active));
    } catch (...) {
      put_back();
      throw;
    }
    put_back();
    return r;
  }

  ResponseApdu command(const CommandApdu& apdu, AppletContext& ctx, const Scp03Session& scp) {
    const bool gp_class = (apdu.cla & 0x80) != 0;
    // GP §10.2: card content management (and GET STATUS) needs an authenticated secure channel
    // with at least C-MAC.
    const bool secured = scp.authenticated() && (scp.security_level() & iso7816::scp03::level::c_mac) != 0;
    auto& perso = ctx.session<PersonalisationSession>();
    // STORE DATA continues a sequence; every other command ends it (nothing buffered is applied).
    if (apdu.ins != 0xE2) perso.clear();
    const AppletEntry* self = find_entry(card_.state(), ctx.instance_aid());
    if (!self) throw_sw(Sw::conditions_not_satisfied);  // not reachable: a deleted SD is not selected
    const AppletEntry sd = *self;  // a copy: the commands below change the registry
    switch (apdu.ins) {
      case 0xA4:  // a SELECT no applet took (forwarded by the runtime): the ISD has no DFs
        throw_sw(Sw::file_not_found);
      case 0xCA:
      case 0xCB:
        return get_data(apdu, ctx);
      case 0xF2:
        if (!gp_class) throw_sw(Sw::cla_not_supported);
        if (!secured) throw_sw(Sw::security_status_not_satisfied);
        return get_status(apdu, ctx, scp.response_overhead(), sd.aid);
      case 0xD8:  // PUT KEY (GP §11.8)
        if (!gp_class) throw_sw(Sw::cla_not_supported);
        if (!secured) throw_sw(Sw::security_status_not_satisfied);
        if (apdu.p2 == 0x01) {  // one key: the ISD owner's token / receipt key (delegated_management.h)
          if (!issuer_) throw_sw(Sw::incorrect_p1p2);
          const auto keys = load_key_set(ctx.persistent(), scp.key_version());
          if (!keys) throw_sw(Sw::conditions_not_satisfied);
          return put_delegation_key(apdu, ctx.persistent(), keys->dek.view());
        }
        return put_key(apdu, ctx.persistent(), scp.key_version());
      case 0xF0:  // SET STATUS (GP §11.10)
        if (!gp_class) throw_sw(Sw::cla_not_supported);
        if (!secured) throw_sw(Sw::security_status_not_satisfied);
        return set_status(card_, apdu, sd);
      case 0xE6:  // INSTALL [for install and make selectable] / [for personalization] (GP §11.5)
        if (!gp_class) throw_sw(Sw::cla_not_supported);
        if (!secured) throw_sw(Sw::security_status_not_satisfied);
        if (apdu.p1 == 0x20) return install_for_personalisation(card_, apdu, perso, sd.aid);
        return install_application(card_, apdu, sd);
      case 0xE4:  // DELETE (GP §11.2)
        if (!gp_class) throw_sw(Sw::cla_not_supported);
        if (!secured) throw_sw(Sw::security_status_not_satisfied);
        return delete_application(card_, apdu, sd);
      case 0xE2: {  // STORE DATA (GP §11.11)
        if (!gp_class) throw_sw(Sw::cla_not_supported);
        if (!secured) {
          perso.clear();
          throw_sw(Sw::security_status_not_satisfied);
        }
        const auto keys = load_key_set(ctx.persistent(), scp.key_version());
        if (!keys) {  // the session's key set was replaced meanwhile
          perso.clear();
          throw_sw(Sw::conditions_not_satisfied);
        }
        return store_data(card_, apdu, ctx, perso, keys->dek.view());
      }
      case 0xE8:  // LOAD
        if (!gp_class) throw_sw(Sw::cla_not_supported);
        if (!secured) throw_sw(Sw::security_status_not_satisfied);
        throw_sw(Sw::ins_not_supported);  // not implemented yet (docs/GP.md)
      default:
        throw_sw(Sw::ins_not_supported);
    }
  }

  // sesame's key sets are not diversified; the data only identifies the card.
  Bytes key_diversification_data() const { return card::key_diversification_data(card_.seid()); }

  ResponseApdu select_response(const CommandApdu& apdu, AppletContext& ctx) const {
    ResponseApdu r;
    if ((apdu.p2 & 0x0C) == 0x0C) return r;
    // GP §11.9.3.1: FCI '6F' { '84' AID, 'A5' { '73' SD management data, '9F65' max Lc } }
    Bytes prop = tlv_encode(0x73, card_recognition_data());
    append_tlv(prop, 0x9F65, Bytes{0xFF});
    Bytes fci = tlv_encode(0x84, ctx.instance_aid());
    append_tlv(fci, 0xA5, prop);
    r.data = tlv_encode(0x6F, fci);
    return r;
  }

  ResponseApdu get_data(const CommandApdu& apdu, AppletContext& ctx) const {
    if (!apdu.data.empty()) throw_sw(Sw::wrong_length);
    switch ((apdu.p1 << 8) | apdu.p2) {
      case 0x00E0: {  // GP §11.3.3.1: key information template, 'C0' {KID, KVN, type, length} per key
        Bytes info;
        for (std::uint8_t kvn : key_versions(ctx.persistent())) {
          const auto keys = load_key_set(ctx.persistent(), kvn);
          for (std::uint8_t kid = 1; kid <= 3; ++kid)
            append_tlv(info, 0xC0, Bytes{kid, kvn, kKeyTypeAes, static_cast<std::uint8_t>(keys->enc.size())});
        }
        return {tlv_encode(0xE0, info), 0x9000};
      }
      case 0x00C1: {  // GP §11.3.3.1: sequence counter of the default key version
        const auto versions = key_versions(ctx.persistent());
        if (versions.empty()) throw_sw(Sw::referenced_data_not_found);
        const std::uint32_t seq = sequence_counter(ctx.persistent(), versions.front());
        return {tlv_encode(0xC1, Bytes{static_cast<std::uint8_t>(seq >> 16), static_cast<std::uint8_t>(seq >> 8), static_cast<std::uint8_t>(seq)}), 0x9000};
      }
      case 0x00C2: {  // GP §11.3.3.1: confirmation counter (delegated management), kept by the ISD
        const std::uint16_t c = confirmation_counter(card_.isd_records());
        return {tlv_encode(0xC2, Bytes{static_cast<std::uint8_t>(c >> 8), static_cast<std::uint8_t>(c)}), 0x9000};
      }
      case 0x0042:  // Issuer Identification Number, set by STORE DATA to the ISD
      case 0x0045: {  // Card Image Number
        const auto v = ctx.persistent().get(apdu.p2 == 0x42 ? iin_record() : cin_record());
        if (!v) throw_sw(Sw::referenced_data_not_found);
        return {tlv_encode(apdu.p2, v->view()), 0x9000};
      }
      case 0x9F7F:
        return {tlv_encode(0x9F7F, cplc(card_.seid())), 0x9000};
      case 0x0066:
        return {tlv_encode(0x66, tlv_encode(0x73, card_recognition_data())), 0x9000};
      default:
        throw_sw(Sw::referenced_data_not_found);
    }
  }

  // GP §11.4: GET STATUS.
  ResponseApdu get_status(const CommandApdu& apdu, AppletContext& ctx, std::size_t overhead, const Bytes& domain) const {
    auto& s = ctx.session<StatusSession>();
    if ((apdu.p2 & 0xFC) != 0) throw_sw(Sw::incorrect_p1p2);
    const bool tags = (apdu.p2 & 0x02) != 0;
    if (apdu.p2 & 0x01) {  // next occurrence
      if (s.remaining.empty() || s.p1 != apdu.p1 || (s.p2 & 0x02) != (apdu.p2 & 0x02)) throw_sw(Sw::referenced_data_not_found);
    } else {
      s.remaining = entries(apdu.p1, tags, search_prefix(apdu.data), domain);
      s.p1 = apdu.p1;
      s.p2 = apdu.p2;
      if (s.remaining.empty()) throw_sw(Sw::referenced_data_not_found);
    }
    // Room for what the secure channel adds (R-MAC, R-ENCRYPTION padding), so the protected answer fits Ne.
    std::size_t limit = (apdu.ne == 0 || apdu.ne > 256) ? 256 : apdu.ne;
    limit = limit > overhead + 16 ? limit - overhead : 16;
    ResponseApdu r;
    std::size_t used = 0;
    while (used < s.remaining.size() && (used == 0 || r.data.size() + s.remaining[used].size() <= limit)) append(r.data, s.remaining[used++]);
    s.remaining.erase(s.remaining.begin(), s.remaining.begin() + static_cast<std::ptrdiff_t>(used));
    if (!s.remaining.empty()) r.sw = kSwMoreData;
    return r;
  }

  static Bytes search_prefix(ByteView data) {
    // The search criteria must hold '4F' (AID, possibly empty for "all"); only '4F' is supported.
    Tlv criteria;
    try {
      criteria = parse_one(data);
    } catch (const Error&) {
      throw_sw(Sw::incorrect_data);
    }
    if (criteria.tag() != 0x4F) throw_sw(Sw::incorrect_data);
    return criteria.value();
  }

  // GP 2.3 §11.4.2: the ISD lists the whole registry; a Supplementary Security Domain only the
  // applications associated with it (no ISD entry, no load files: those belong to the ISD).
  std::vector<Bytes> entries(std::uint8_t p1, bool tags, const Bytes& prefix, const Bytes& domain) const {
    const CardState& st = card_.state();
    const Bytes& sd = st.applets[0].aid;
    const bool everything = issuer_;
    std::vector<Bytes> out;
    auto app_entry = [&](const AppletEntry& e, std::uint8_t life_cycle, const AppletModule* m) {
      Bytes v;
      if (!tags) {  // GP §11.4.3.1 (legacy): length, AID, life cycle, first privilege byte
        v.push_back(static_cast<std::uint8_t>(e.aid.size()));
        append(v, e.aid);
        v.push_back(life_cycle);
        v.push_back(e.privileges[0]);
        return v;
      }
      Bytes in = tlv_encode(0x4F, e.aid);
      append_tlv(in, 0x9F70, Bytes{life_cycle});
      append_tlv(in, 0xC5, e.privileges);
      if (m) append_tlv(in, 0xC4, m->load_file_aid);
      append_tlv(in, 0xCC, associated_domain(e));
      return tlv_encode(0xE3, in);
    };
    switch (p1) {
      case 0x80:
        if (everything && has_prefix(sd, prefix)) out.push_back(app_entry(st.applets[0], static_cast<std::uint8_t>(st.life_cycle), nullptr));
        break;
      case 0x40:
        for (std::size_t i = 1; i < st.applets.size(); ++i) {
          const auto& e = st.applets[i];
          if (!everything && !associated_with(e, domain)) continue;
          if (has_prefix(e.aid, prefix)) out.push_back(app_entry(e, e.life_cycle, module_of(e)));
        }
        break;
      case 0x20:
      case 0x10:
        for (const auto& m : card_.registry().modules()) {
          if (!everything || !has_prefix(m.load_file_aid, prefix)) continue;
          Bytes v;
          if (!tags) {  // length, AID, life cycle, privileges (00), [number of modules, modules]
            v.push_back(static_cast<std::uint8_t>(m.load_file_aid.size()));
            append(v, m.load_file_aid);
            v.push_back(kElfLoaded);
            v.push_back(0x00);
            if (p1 == 0x10) {
              v.push_back(1);
              v.push_back(static_cast<std::uint8_t>(m.module_aid.size()));
              append(v, m.module_aid);
            }
          } else {
            Bytes in = tlv_encode(0x4F, m.load_file_aid);
            append_tlv(in, 0x9F70, Bytes{kElfLoaded});
            append_tlv(in, 0xCC, sd);
            if (p1 == 0x10) append_tlv(in, 0x84, m.module_aid);
            v = tlv_encode(0xE3, in);
          }
          out.push_back(std::move(v));
        }
        break;
      default:
        throw_sw(Sw::incorrect_p1p2);
    }
    return out;
  }

  // GET STATUS 'C4' (load file): the registry's module, or the built-in SD module.
  const AppletModule* module_of(const AppletEntry& e) const {
    static const AppletModule sd_module{kSsdModule, ssd_load_file_aid(), ssd_module_aid(), {}, true, {}};
    if (e.module == kSsdModule) return &sd_module;
    return card_.registry().find(e.module);
  }

  Card& card_;  // SET STATUS changes life cycles through the card's administration
  bool issuer_;  // the ISD, or a Supplementary Security Domain
};

std::uint32_t fnv1a32(std::string_view s) {
  std::uint32_t h = 0x811C9DC5u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x01000193u;
  }
  return h;
}

}  // namespace

std::unique_ptr<Applet> make_isd(Card& card) { return std::make_unique<Isd>(card, true); }
std::unique_ptr<Applet> make_ssd(Card& card) { return std::make_unique<Isd>(card, false); }

Bytes cplc(const std::string& seid) {
  Bytes c;
  put_u16(c, 0x5345);  // IC fabricator: 'SE' (sesame, software)
  put_u16(c, 0x5331);  // IC type: 'S1'
  put_u16(c, 0x5345);  // operating system identifier
  put_u16(c, 0x5001);  // operating system release date (YDDD: 2025, day 001)
  put_u16(c, 0x0001);  // operating system release level
  put_u16(c, 0x0000);  // IC fabrication date
  put_u32(c, fnv1a32(seid));  // IC serial number: derived from the SEID (stable, not secret)
  put_u16(c, 0x0000);  // IC batch identifier
  put_u16(c, 0x0000);  // IC module fabricator
  put_u16(c, 0x0000);  // IC module packaging date
  put_u16(c, 0x5345);  // ICC manufacturer
  put_u16(c, 0x0000);  // IC embedding date
  put_u16(c, 0x0000);  // IC pre-personalizer
  put_u16(c, 0x0000);  // IC pre-personalization equipment date
  put_u32(c, 0);       // IC pre-personalization equipment identifier
  put_u16(c, 0x0000);  // IC personalizer
  put_u16(c, 0x0000);  // IC personalization date
  put_u32(c, 0);       // IC personalization equipment identifier
  return c;            // 42 bytes
}

Bytes key_diversification_data(const std::string& seid) {
  const Bytes c = cplc(seid);
  Bytes kdd(c.begin(), c.begin() + 4);
  kdd.insert(kdd.end(), c.begin() + 12, c.begin() + 18);
  return kdd;
}

Bytes card_recognition_data() {
  Bytes v = oid({0x01});                      // {globalPlatform 1}: card recognition data
  append_tlv(v, 0x60, oid({0x02, 0x02, 0x03}));  // {globalPlatform 2 v}: GP card spec version 2.3
  append_tlv(v, 0x63, oid({0x03}));           // {globalPlatform 3}: card identification scheme
  append_tlv(v, 0x64, oid({0x04, 0x03, 0x70}));  // {globalPlatform 4 scp i}: SCP03, i=70 (S8; S16 on request)
  return v;
}

}  // namespace sesame::card
