// The card's own persistent record, "card/state": ATR, card life cycle, label and the registry of
// applet instances (GP registry entries: AID, module, life cycle, privileges). Entry 0 is the
// Issuer Security Domain.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "card/card_service.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::card {

inline constexpr const char* kCardStateKey = "card/state";
inline constexpr const char* kIsdModule = "sesame.isd";

// GP Card Specification 2.3 §11.1.1 Table 11-4: application life cycle coding.
namespace app_life_cycle {
inline constexpr std::uint8_t installed = 0x03;
inline constexpr std::uint8_t selectable = 0x07;
inline constexpr std::uint8_t locked_bit = 0x80;
}  // namespace app_life_cycle

// SELECTABLE or an application-specific state (b3..b1 = 111) and not LOCKED (b8).
constexpr bool applet_selectable(std::uint8_t life_cycle) {
  return (life_cycle & app_life_cycle::locked_bit) == 0 && (life_cycle & 0x07) == 0x07;
}

struct AppletEntry {
  Bytes aid;
  std::string module;
  std::uint8_t life_cycle = app_life_cycle::selectable;
  std::array<std::uint8_t, 3> privileges{};  // GP §6.6.1 Table 6-1
  Bytes security_domain;  // GP §7.3 associated Security Domain's AID; empty: the ISD
};

struct CardState {
  Bytes atr;
  CardLifeCycle life_cycle = CardLifeCycle::secured;
  std::string label;
  std::vector<AppletEntry> applets;

  SecureBytes encode() const;
  // Throws Error(Errc::integrity) for a record that does not decode.
  static CardState decode(ByteView record);
};

// A fresh card: sesame's ATR, SECURED, the ISD as the only applet.
CardState initial_card_state(const std::string& label);

// The ATR every sesame card answers with (ISO/IEC 7816-3 §8.2, T=1, historical bytes naming sesame).
Bytes sesame_atr();
// A000000151000000, the GP Issuer Security Domain AID.
const Bytes& isd_aid();
// Privileges of the ISD: Security Domain, Card Lock, Card Terminate, Card Reset, CVM Management.
inline constexpr std::array<std::uint8_t, 3> kIsdPrivileges{0x9E, 0x00, 0x00};

// The AID of the Security Domain an entry is associated with (the ISD when none is recorded).
const Bytes& associated_domain(const AppletEntry& e);

// Persistent key namespace of an applet instance: "<AID hex>/".
std::string aid_key_prefix(ByteView aid);

}  // namespace sesame::card
