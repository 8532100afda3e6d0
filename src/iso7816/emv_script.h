// EMV issuer script commands with secure messaging (EMV 4.3/4.4 Book 2 §9, Book 3 §6.5 and
// §10.10), in the format sesame's payment card and issuer host share:
//   - session keys: Book 2 A1.3 common session key derivation from the card's ICC master keys for
//     secure messaging integrity (SMI) and confidentiality (SMC), with R = the transaction's ARQC;
//   - MAC (Book 2 §9.2.3, A1.2): 8 bytes over CLA INS P1 P2 Lc || ATC || ARQC || command data,
//     where Lc counts the data and the MAC, the data being the enciphered data when enciphered;
//   - encipherment (Book 2 §9.3, A1.1): the new PIN of PIN CHANGE (an ISO 9564 format 2 block).
// The command is CLA INS P1 P2 Lc data MAC (no Le). Format: docs/EMV.md, "Issuer scripts".
#pragma once

#include <cstdint>
#include <optional>

#include "iso7816/apdu.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::iso7816::emv {

struct ScriptSessionKeys {
  SecureBytes smi, smc;
};

// Book 2 A1.3 with R = the ARQC (8 bytes) for both keys.
ScriptSessionKeys script_session_keys(ByteView icc_master_key_smi, ByteView icc_master_key_smc,
                                      ByteView arqc);

// The MAC input of a command whose (possibly enciphered) data is `data`.
Bytes script_mac_input(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, ByteView data,
                       std::uint16_t atc, ByteView arqc);

// Issuer side: the command, data enciphered under SMC first when `encipher`.
CommandApdu make_script_command(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2,
                                ByteView data, bool encipher, const ScriptSessionKeys& keys,
                                std::uint16_t atc, ByteView arqc);

// Card side: checks the MAC (in constant time) and returns the command data, deciphered when
// `enciphered`; nullopt when the MAC does not verify or the enciphered data does not decipher.
// A command shorter than the MAC, or with more than 255 bytes of data, also gives nullopt.
std::optional<SecureBytes> open_script_command(const CommandApdu& command, bool enciphered,
                                               const ScriptSessionKeys& keys, std::uint16_t atc,
                                               ByteView arqc);

}  // namespace sesame::iso7816::emv
