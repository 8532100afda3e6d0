// The card side of PACE and Chip Authentication v1: MANAGE SECURITY ENVIRONMENT and GENERAL
// AUTHENTICATE (TR-03110-3 §B.1, §B.11; ICAO 9303-11 §4.4, §6.2). The applet hands every such
// command here, already opened from secure messaging when it came protected.
#pragma once

#include <cstdint>

#include "applets/eid/eid_session.h"
#include "card/applet.h"
#include "crypto/ec_curve.h"
#include "iso7816/apdu.h"

namespace sesame::applets::eid {

// Persistent record keys of the applet.
inline constexpr const char* kRecPin = "pin";
inline constexpr const char* kRecPinTries = "pin.tries";
inline constexpr const char* kRecPuk = "puk";
inline constexpr const char* kRecPukTries = "puk.tries";
inline constexpr const char* kRecCan = "can";
inline constexpr const char* kRecMrz = "mrz";  // f(π) = SHA-1 of the MRZ information
inline constexpr const char* kRecCaKey = "ca.key";
inline constexpr const char* kRecCurve = "curve";  // standardized domain parameter ID, 1 byte

crypto::Curve card_curve(const card::Persistent& p);
std::uint8_t tries_left(const card::Persistent& p, const char* key);

// 00 22 C1 A4: MSE:Set AT for PACE. Answers 9000, or for the PIN 63C2 / 63C1 (suspended) /
// 63C0 (blocked) as the retry counter stands; for the PUK 63C0 when blocked.
iso7816::ResponseApdu mse_set_at_pace(const iso7816::CommandApdu& apdu, card::AppletContext& ctx,
                                      EidSession& s);
// 00 22 41 A4 (MSE:Set AT for CA) and 00 22 41 A6 (MSE:Set KAT, CA at once).
iso7816::ResponseApdu mse_chip_authentication(const iso7816::CommandApdu& apdu, card::AppletContext& ctx,
                                              EidSession& s);
// 00/10 86 00 00: the four PACE steps, or Chip Authentication after MSE:Set AT for CA.
iso7816::ResponseApdu general_authenticate(const iso7816::CommandApdu& apdu, card::AppletContext& ctx,
                                           EidSession& s);

}  // namespace sesame::applets::eid
