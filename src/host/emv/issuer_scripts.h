// The issuer host's script generation (EMV Book 3 §10.10, Book 2 §9): the issuer script commands
// sesame's payment card accepts — APPLICATION BLOCK / UNBLOCK, PIN CHANGE/UNBLOCK, PUT DATA, UPDATE
// RECORD — with secure messaging under the card's SMI/SMC session keys for the transaction's ARQC,
// derived from the issuer master keys (Book 2 A1.4 option A, then A1.3 with R = ARQC), wrapped into
// issuer script templates 71 (before the final GENERATE AC) or 72 (after it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "host/emv/issuer_host.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::host::emv {

struct ScriptCommand {
  enum class Kind {
    application_block,
    application_unblock,
    pin_unblock,
    pin_change,
    put_data,
    update_record
  };
  Kind kind = Kind::application_block;
  std::uint32_t tag = 0;             // put_data: the data object (9F14, 9F23, DF02, DF03, DF04)
  Bytes value;                       // put_data: its value; update_record: the '70' template
  std::uint8_t sfi = 0, record = 0;  // update_record
  SecureString pin;                  // pin_change: the new PIN, 4-12 digits

  // The CLI's spelling (docs/EMV.md): block, unblock, pin-unblock, pin-change:PIN,
  // put-data:TAG=HEX, update-record:SFI.RECORD=HEX, reset-counters (PUT DATA DF04 00).
  // Error(Errc::invalid_argument) for anything else.
  static ScriptCommand parse(std::string_view text);
};

class IssuerScriptHost {
 public:
  // The issuer master keys for secure messaging integrity and confidentiality (16 bytes each).
  IssuerScriptHost(SecureBytes issuer_master_key_smi, SecureBytes issuer_master_key_smc);

  // One command APDU (encoded) for the card and ARQC of `request` (PAN, PSN, ATC, ARQC).
  Bytes command(const AuthorisationRequest& request, const ScriptCommand& command) const;
  // An issuer script template: `tag` 71 or 72 { 9F18 script identifier (4 bytes, optional), 86
  // command ... }.
  Bytes script(std::uint8_t tag, ByteView identifier, const AuthorisationRequest& request,
               const std::vector<ScriptCommand>& commands) const;

 private:
  SecureBytes smi_, smc_;
};

}  // namespace sesame::host::emv
