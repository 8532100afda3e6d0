// ISO/IEC 7816-4 secure messaging with AES as ICAO Doc 9303-11 §9.8 and BSI TR-03110-3 §F define
// it for PACE and Chip Authentication sessions:
//  - encryption: AES-CBC over the ISO/IEC 9797-1 method 2 padded data, IV = E(KSenc, SSC);
//  - authentication: AES-CMAC over SSC || padded (header || DOs), truncated to 8 bytes ('8E');
//  - SSC: 16 bytes, big-endian, incremented before every command and every response;
//  - command: CLA|0C, header padded, DO'87' (01 || cryptogram), DO'97' (Le), DO'8E' (MAC);
//  - response: DO'87', DO'99' (SW1 SW2), DO'8E'.
// One object is one side of one session: the terminal calls wrap_command / unwrap_response, the
// card unwrap_command / wrap_response; each call advances the SSC by one.
#pragma once

#include <cstddef>
#include <cstdint>

#include "iso7816/apdu.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::iso7816 {

inline constexpr std::size_t kSmMacSize = 8;
inline constexpr std::size_t kSmSscSize = 16;

class SecureMessaging {
 public:
  // AES keys of 16, 24 or 32 bytes (both the same size); the SSC starts at 0 (ICAO 9303-11
  // §9.8.7.3 for AES after PACE and after Chip Authentication). Error(Errc::invalid_argument) else.
  SecureMessaging(SecureBytes k_enc, SecureBytes k_mac);

  // Terminal: the protected form of a plain command (CLA b4b3 = 11; Le 00 / 0000 when the plain
  // command has Le or the response may carry data). Error(Errc::invalid_argument) for a CLA that
  // already has SM bits or no channel coding.
  CommandApdu wrap_command(const CommandApdu& plain);
  // Terminal: checks and opens a protected response. Error(Errc::crypto) for a wrong MAC (or a
  // response without one: a card that answers an SM error in plain), Error(Errc::parse) for a
  // malformed response. The returned SW is the one inside DO'99'.
  ResponseApdu unwrap_response(const ResponseApdu& protected_response);

  // Card: checks and opens a protected command. Throws SwError 6987 (SM data objects missing or
  // in the wrong order) or 6988 (wrong MAC, bad cryptogram or padding); the session must then be
  // ended (ICAO 9303-11 §9.8.6.1). The plain command has CLA b4b3 = 00 and Ne from DO'97'.
  CommandApdu unwrap_command(const CommandApdu& protected_command);
  // Card: the protected form of a plain response.
  ResponseApdu wrap_response(const ResponseApdu& plain);

  // The current SSC (before the next increment), e.g. to hand a session over (split middleware).
  Bytes ssc() const { return ssc_; }
  void set_ssc(ByteView ssc);

  // Building blocks at the current SSC, exposed for vectors and interop tests:
  // encrypt = AES-CBC(KSenc, IV = E(KSenc, SSC), pad(plaintext)); decrypt reverses it
  // (Error(Errc::parse) for a bad length or padding); mac = the leftmost 8 bytes of
  // AES-CMAC(KSmac, SSC || pad(data)). pad = ISO/IEC 9797-1 method 2 to 16 bytes.
  Bytes encrypt(ByteView plaintext) const;
  SecureBytes decrypt(ByteView cryptogram) const;
  Bytes mac(ByteView data) const;

 private:
  void increment();
  SecureBytes k_enc_, k_mac_;
  Bytes ssc_;
};

}  // namespace sesame::iso7816
