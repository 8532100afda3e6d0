// The eID applet ("sesame.eid"): an eMRTD / eID card with PACE (ECDH generic mapping, AES secure
// messaging; passwords PIN, CAN, MRZ and PUK) and Chip Authentication version 1, following ICAO
// Doc 9303-10/-11 and BSI TR-03110. Files, access rules, install parameters and the APDUs on the
// wire: docs/EID.md.
#pragma once

#include <cstdint>
#include <memory>

#include "card/applet.h"
#include "card/applet_registry.h"

namespace sesame::applets::eid {

inline constexpr const char* kModuleName = "sesame.eid";

// File identifiers and short file identifiers (ICAO 9303-10 §4.6, Table 38).
inline constexpr std::uint16_t kEfCardAccess = 0x011C;  // SFI 1C, always readable
inline constexpr std::uint16_t kEfCom = 0x011E;         // SFI 1E
inline constexpr std::uint16_t kEfSod = 0x011D;         // SFI 1D
inline constexpr std::uint16_t kDg1 = 0x0101;           // SFI 01
inline constexpr std::uint16_t kDg2 = 0x0102;           // SFI 02
inline constexpr std::uint16_t kDg13 = 0x010D;          // SFI 0D
inline constexpr std::uint16_t kDg14 = 0x010E;          // SFI 0E, built by the card at install

// Install parameters (BER-TLV, docs/EID.md "Install parameters"):
inline constexpr std::uint32_t kTagPin = 0xC1;    // 6 ASCII digits, mandatory
inline constexpr std::uint32_t kTagCan = 0xC2;    // 6 ASCII digits, mandatory
inline constexpr std::uint32_t kTagPuk = 0xC3;    // 8..12 ASCII digits, mandatory
inline constexpr std::uint32_t kTagMrz = 0xC4;    // document number (9) || birth (6) || expiry (6)
inline constexpr std::uint32_t kTagCurve = 0xC5;  // 1 byte standardized domain parameter ID, default 13
inline constexpr std::uint32_t kTagCaKey = 0xC6;  // CA private key scalar (order size); default: generated
inline constexpr std::uint32_t kTagFile = 0xE1;   // constructed: '83' FID (2 bytes), '53' contents

inline constexpr std::uint8_t kPinTries = 3;
inline constexpr std::uint8_t kPukTries = 10;

card::AppletModule module();
std::unique_ptr<card::Applet> make_eid_applet();

}  // namespace sesame::applets::eid
