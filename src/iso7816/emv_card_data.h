// The public card data of sesame's EMV payment application and the layout of the record that
// offline data authentication covers. The card (applets/emv) serves this record and the issuer's
// personalisation (host/emv test PKI) signs it into the ICC public key certificate, so both build
// it here, once. Layout: docs/EMV.md, "Records".
#pragma once

#include <cstdint>
#include <string>

#include "util/bytes.h"

namespace sesame::iso7816::emv {

// The card's fixed Data Object Lists and Application Interchange Profile (docs/EMV.md).
// PDOL: terminal country 9F1A(2), transaction currency 5F2A(2), terminal type 9F35(1).
inline const Bytes kPdol{0x9F, 0x1A, 0x02, 0x5F, 0x2A, 0x02, 0x9F, 0x35, 0x01};
// CDOL1: amount 9F02(6), other amount 9F03(6), terminal country 9F1A(2), TVR 95(5), currency
// 5F2A(2), date 9A(3), type 9C(1), unpredictable number 9F37(4), terminal type 9F35(1).
inline const Bytes kCdol1{0x9F, 0x02, 0x06, 0x9F, 0x03, 0x06, 0x9F, 0x1A, 0x02, 0x95, 0x05, 0x5F, 0x2A,
                          0x02, 0x9A, 0x03, 0x9C, 0x01, 0x9F, 0x37, 0x04, 0x9F, 0x35, 0x01};
// CDOL2: issuer authentication data 91(10), ARC 8A(2), TVR 95(5), unpredictable number 9F37(4).
inline const Bytes kCdol2{0x91, 0x0A, 0x8A, 0x02, 0x95, 0x05, 0x9F, 0x37, 0x04};
// AIP byte 1: DDA (20), terminal risk management (08), issuer authentication (04), CDA (01); byte 2:
// EMV mode on the contactless interface (80, Book C-2).
inline const Bytes kAip{0x2D, 0x80};
// DDOL (9F49): the unpredictable number, 4 bytes.
inline const Bytes kDdol{0x9F, 0x37, 0x04};

struct CardData {
  std::string pan;             // digits
  std::string psn = "00";      // 2 digits
  std::string expiry;          // YYMMDD (5F24)
  std::string effective;       // YYMMDD (5F25), may be empty
  std::string issuer_country = "0250";  // 3 digits in 2 bytes BCD (5F28), as 4 digits
  std::string currency = "0978";        // application currency code (9F42), 4 digits
  Bytes iac_default = Bytes(5, 0);   // 9F0D
  Bytes iac_denial = Bytes(5, 0);    // 9F0E
  Bytes iac_online = Bytes(5, 0);    // 9F0F
};

// The value (without the '70' template) of SFI 2 record 1: 5A, 5F24, 5F25, 5F28, 5F34, 9F07, 8C,
// 8D, 9F0D, 9F0E, 9F0F, 9F42. Throws Error(Errc::invalid_argument) for malformed fields.
Bytes oda_record_value(const CardData& card);
// Book 2 §5.4 / §6.4: the record above (SFI 2 is in 1..10, so without its '70' template) || AIP
// (9F4A lists '82').
Bytes static_data_to_authenticate(const CardData& card);

// The leftmost 4 bytes of the PAN as the issuer identifier of an issuer certificate (Book 2 Table
// 13: the leftmost 3-8 digits, F-padded); sesame certifies 6 digits.
Bytes issuer_identifier(const std::string& pan);

}  // namespace sesame::iso7816::emv
