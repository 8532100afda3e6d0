// The personalisation profile of the EMV payment applet: the JSON document given as its install
// parameters (GP INSTALL C9 data). Format: docs/EMV.md, "Personalisation profile".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "iso7816/emv_card_data.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::applets::emv {

// Card risk management limits (M/Chip style): offline transactions beyond the lower limits go
// online when the terminal can; beyond the upper limits they are declined when it cannot.
struct OfflineLimits {
  std::uint8_t lower_consecutive = 3;
  std::uint8_t upper_consecutive = 5;
  std::uint64_t lower_cumulative_amount = 5000;   // minor units of the application currency
  std::uint64_t upper_cumulative_amount = 10000;
};

struct Profile {
  iso7816::emv::CardData card;
  std::string label = "SESAME PAY";   // 50, ans 1-16
  std::uint8_t priority = 1;          // 87, 1..15
  std::string language = "en";        // 5F2D, 2-8 letters
  std::string cardholder_name;        // 5F20, 2-26
  OfflineLimits limits;
  std::uint8_t arpc_method = 1;       // 1 or 2 (Book 2 §8.2)
  std::uint8_t pin_try_limit = 3;     // 9F17 (no offline PIN yet: reported, not used)
  SecureBytes icc_master_key_ac;      // 16 bytes; derived from an issuer master key if the profile has one
  // Issuer scripts (optional, both or neither): ICC master keys for secure messaging integrity and
  // confidentiality, derived (option A) from the issuer's when the profile gives those.
  SecureBytes icc_master_key_smi, icc_master_key_smc;
  std::uint8_t script_failure_limit = 3;  // consecutive refused script commands that block scripts
  SecureString pin;                   // 4-12 digits, optional (Personal Code / offline PIN)
  // Personal Code (Payez Mobile): off unless the profile has "personal_code" (and a pin).
  bool personal_code = false;
  std::uint8_t personal_code_mode = 2;          // 1 PIN-TAP, 2 TAP-PIN-TAP
  std::uint64_t personal_code_entry_limit = 0;  // amounts above it need the code
  std::uint64_t personal_code_validity = 60;    // seconds a verification lasts
  // GP Amendment C (docs/EMV.md "Contactless registry"): the application registers as a payment
  // application of this group (0: its own) and is ACTIVATED at install unless told otherwise.
  std::uint8_t contactless_group = 0;
  bool contactless_activated = true;
  // Optional CDA material: without it the card does not offer CDA.
  SecureBytes icc_private_key_pkcs8;
  std::uint8_t ca_index = 0;          // 8F
  Bytes issuer_certificate, issuer_remainder, issuer_exponent;  // 90, 92, 9F32
  Bytes icc_certificate, icc_remainder, icc_exponent;           // 9F46, 9F48, 9F47
  bool has_pki() const { return !icc_private_key_pkcs8.empty(); }
};

// Parses and validates a profile. Throws Error(Errc::parse) for JSON that is not an object of the
// documented members and Error(Errc::invalid_argument) for a value out of range; messages never
// contain key material.
Profile parse_profile(std::string_view json);

}  // namespace sesame::applets::emv
