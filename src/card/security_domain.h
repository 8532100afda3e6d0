// Security Domains (GP Card Specification 2.3 §7): the Issuer Security Domain (isd.h) and
// Supplementary Security Domains (SSDs), instances of sesame's built-in SD module kSsdModule created
// by INSTALL [for install] through the ISD with the Security Domain privilege. An SSD is the same
// applet as the ISD (SCP03 key sets of its own in its own records, GET DATA, GET STATUS, PUT KEY,
// SET STATUS, INSTALL, DELETE, STORE DATA), restricted to the applications associated with it
// (GP §7.3, the registry entry's `security_domain`): it personalises, locks and lists only those.
// Content management by an SSD needs Authorized Management (no token) or Delegated Management
// (with a token of the ISD owner, delegated_management.h).
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "card/applet.h"
#include "card/card_state.h"
#include "util/bytes.h"

namespace sesame::card {

class Card;

inline constexpr const char* kSsdModule = "sesame.ssd";
// The SD load file and module AIDs (the values GP cards commonly use for their SD package).
const Bytes& ssd_load_file_aid();  // A0000001515350
const Bytes& ssd_module_aid();     // A000000151535041

std::unique_ptr<Applet> make_ssd(Card& card);

// GP 2.3 §6.6.1 Table 6-1: privilege bits, by byte.
namespace privilege {
// byte 1
inline constexpr std::uint8_t security_domain = 0x80;
inline constexpr std::uint8_t dap_verification = 0x40;
inline constexpr std::uint8_t delegated_management = 0x20;
inline constexpr std::uint8_t card_lock = 0x10;
inline constexpr std::uint8_t card_terminate = 0x08;
inline constexpr std::uint8_t card_reset = 0x04;
inline constexpr std::uint8_t cvm_management = 0x02;
inline constexpr std::uint8_t mandated_dap_verification = 0x01;
// byte 2
inline constexpr std::uint8_t trusted_path = 0x80;
inline constexpr std::uint8_t authorized_management = 0x40;
inline constexpr std::uint8_t token_verification = 0x20;
inline constexpr std::uint8_t global_delete = 0x10;
inline constexpr std::uint8_t global_lock = 0x08;
inline constexpr std::uint8_t global_registry = 0x04;
// byte 3
inline constexpr std::uint8_t receipt_generation = 0x80;
}  // namespace privilege

using Privileges = std::array<std::uint8_t, 3>;

// The privileges sesame grants at INSTALL [for install]: an SSD may have Security Domain (required),
// Delegated Management or Authorized Management (not both: GP §6.6), Card Lock, Card Terminate;
// an application none. Anything else (DAP, Card Reset, CVM, Global *, Token Verification, Receipt
// Generation — those stay with the ISD) is refused with 6A80 by the caller when this is false.
bool grantable(const Privileges& p, bool security_domain_module);

const AppletEntry* find_entry(const CardState& state, ByteView aid);
bool is_security_domain(const AppletEntry& e);
bool same_aid(ByteView a, ByteView b);
// True when `e` is associated with the Security Domain `sd` (GP §7.3).
bool associated_with(const AppletEntry& e, ByteView sd);
// True when `sd` is the ISD (whose scope is the whole card for listing and locking).
bool is_isd(ByteView sd);

}  // namespace sesame::card
