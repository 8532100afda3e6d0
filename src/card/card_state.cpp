#include "card/card_state.h"

#include "util/byte_reader.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::card {
namespace {

constexpr std::uint8_t kVersion = 2;  // 2 added each entry's associated Security Domain (1 is still read)

void put_field(Bytes& out, ByteView v) {
  if (v.size() > 255) fail(Errc::invalid_argument, "card state field above 255 bytes");
  out.push_back(static_cast<std::uint8_t>(v.size()));
  append(out, v);
}

// A field is one length byte and that many bytes (put_field).
ByteView field(ByteReader& r) { return r.bytes(r.u8()); }

bool valid_card_life_cycle(std::uint8_t v) {
  switch (static_cast<CardLifeCycle>(v)) {
    case CardLifeCycle::op_ready:
    case CardLifeCycle::initialized:
    case CardLifeCycle::secured:
    case CardLifeCycle::card_locked:
    case CardLifeCycle::terminated:
      return true;
    default:
      return false;
  }
}

}  // namespace

SecureBytes CardState::encode() const {
  Bytes out{kVersion, static_cast<std::uint8_t>(life_cycle)};
  put_field(out, atr);
  put_field(out, as_bytes(label));
  if (applets.size() > 255) fail(Errc::invalid_argument, "more than 255 applet instances");
  out.push_back(static_cast<std::uint8_t>(applets.size()));
  for (const auto& a : applets) {
    put_field(out, a.aid);
    put_field(out, as_bytes(a.module));
    out.push_back(a.life_cycle);
    append(out, a.privileges);
    put_field(out, a.security_domain);
  }
  return SecureBytes(out);
}

CardState CardState::decode(ByteView record) {
  // The record was sealed by the store: a malformed one means broken storage (integrity), not
  // malformed outside input.
  CardState s;
  try {
    ByteReader r(record, "card state record");
    const std::uint8_t version = r.u8();
    if (version != 1 && version != kVersion) fail(Errc::integrity, "card state record of unknown version");
    const std::uint8_t lc = r.u8();
    if (!valid_card_life_cycle(lc)) fail(Errc::integrity, "card state: bad life cycle");
    s.life_cycle = static_cast<CardLifeCycle>(lc);
    auto atr = field(r);
    s.atr.assign(atr.begin(), atr.end());
    auto label = field(r);
    s.label.assign(label.begin(), label.end());
    const std::size_t n = r.u8();
    for (std::size_t i = 0; i < n; ++i) {
      AppletEntry e;
      auto aid = field(r);
      e.aid.assign(aid.begin(), aid.end());
      auto mod = field(r);
      e.module.assign(mod.begin(), mod.end());
      e.life_cycle = r.u8();
      for (auto& p : e.privileges) p = r.u8();
      if (version >= 2) {
        auto sd = field(r);
        e.security_domain.assign(sd.begin(), sd.end());
      }
      s.applets.push_back(std::move(e));
    }
    if (!r.empty()) fail(Errc::integrity, "card state record has trailing bytes");
  } catch (const Error& e) {
    if (e.code() != Errc::parse) throw;
    fail(Errc::integrity, "card state record truncated");
  }
  if (s.applets.empty() || s.applets[0].aid != isd_aid()) fail(Errc::integrity, "card state without its ISD");
  return s;
}

CardState initial_card_state(const std::string& label) {
  if (label.size() > 255) fail(Errc::invalid_argument, "card label above 255 bytes");
  CardState s;
  s.atr = sesame_atr();
  s.life_cycle = CardLifeCycle::secured;
  s.label = label;
  s.applets.push_back({isd_aid(), kIsdModule, static_cast<std::uint8_t>(CardLifeCycle::secured), kIsdPrivileges, {}});
  return s;
}

Bytes sesame_atr() {
  // TS=3B (direct convention); T0=8C: TD1 present, 12 historical bytes; TD1=80: TD2 present, T=0;
  // TD2=01: T=1. Historical bytes (ISO/IEC 7816-4 §8.1.1): category 80, then COMPACT-TLV
  // 56 "SESAME" (card issuer's data) and 73 F6 21 5B (card capabilities: selection by full and
  // partial DF name, path, FID, SFI, record number; data coding 21; extended Lc/Le, logical
  // channel assignment by card and by interface device, 4 logical channels).
  Bytes atr{0x3B, 0x8C, 0x80, 0x01, 0x80, 0x56, 'S', 'E', 'S', 'A', 'M', 'E', 0x73, 0xF6, 0x21, 0x5B};
  std::uint8_t tck = 0;
  for (std::size_t i = 1; i < atr.size(); ++i) tck ^= atr[i];  // XOR of T0 .. last historical byte
  atr.push_back(tck);
  return atr;
}

const Bytes& isd_aid() {
  static const Bytes aid{0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00, 0x00};
  return aid;
}

const Bytes& associated_domain(const AppletEntry& e) { return e.security_domain.empty() ? isd_aid() : e.security_domain; }

std::string aid_key_prefix(ByteView aid) { return to_hex(aid) + "/"; }

}  // namespace sesame::card
