// A POS kernel for contactless EMV (EMV 4.3/4.4 Book 3 §10, Book C-2 style flow) over any Reader:
// PPSE, application selection by priority, GET PROCESSING OPTIONS with the PDOL, READ RECORD per
// AFL, offline data authentication by CDA (CA -> issuer -> ICC recovery and checks, then the
// signature on GENERATE AC) or else DDA (INTERNAL AUTHENTICATE), processing restrictions, terminal risk management (floor limit),
// terminal action analysis (TVR against TAC/IAC), GENERATE AC 1, the online step and GENERATE AC 2.
// Flow and outcomes: docs/EMV.md, "The POS kernel".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "host/emv/issuer_host.h"
#include "host/emv/issuer_scripts.h"
#include "host/emv/test_pki.h"
#include "host/reader.h"
#include "util/bytes.h"

namespace sesame::host::emv {

struct TerminalConfig {
  Bytes country{0x02, 0x50};       // 9F1A
  Bytes currency{0x09, 0x78};      // 5F2A
  std::uint8_t terminal_type = 0x22;  // 9F35: attended, offline with online capability
  std::uint64_t floor_limit = 0;   // amounts at or above it go online (Book 3 §10.6.1)
  Bytes tac_default = Bytes(5, 0), tac_denial = Bytes(5, 0), tac_online = Bytes(5, 0);
  std::vector<CaPublicKey> ca_keys;
  std::vector<Bytes> supported_aids{{0xA0, 0x00, 0x00, 0x00, 0x04}};  // prefixes (partial selection)
  bool cda_supported = true;
  bool dda_supported = true;  // used when CDA is not (Book 3 §10.3: CDA first, then DDA)
  // A SELECT answered 6283 (application blocked) is skipped (Book 1 §12.4) unless this is set: an
  // issuer's maintenance terminal selects it so that an APPLICATION UNBLOCK script can reach it.
  bool select_blocked = false;
  bool online_capable() const { return (terminal_type & 0x0F) != 0x03 && (terminal_type & 0x0F) != 0x06; }
};

struct Transaction {
  std::uint64_t amount = 0;        // minor units
  std::uint64_t other_amount = 0;
  std::uint8_t type = 0x00;        // 9C: purchase
  std::string date;                // YYMMDD
  Bytes unpredictable_number;      // 4 bytes; empty: random
};

// The online step: the issuer's answer, or nullopt when it cannot be reached.
using OnlineAuthoriser = std::function<std::optional<AuthorisationResponse>(const AuthorisationRequest&)>;

struct Outcome {
  enum class Result { approved, declined, end_application };
  Result result = Result::end_application;
  bool online = false;          // an ARQC went to the issuer
  bool cda_verified = false;    // a CDA signature was checked and good
  bool dda_verified = false;    // DDA (INTERNAL AUTHENTICATE) was performed and good
  Bytes aid;
  Bytes tvr = Bytes(5, 0);
  std::uint8_t cid = 0;         // of the final GENERATE AC
  Bytes cryptogram;             // of the final GENERATE AC
  std::uint16_t atc = 0;
  Bytes arc;                    // online: the issuer's ARC
  std::string reason;           // end_application / decline explanation, for logs and tests
  std::map<std::uint32_t, Bytes> card_data;  // primitive data objects read from the card
  bool application_blocked = false;  // the application selected with 6283 (or was skipped for it)
  // Issuer Script Results 9F5B (Book 3 §10.10, Annex A): per script, 5 bytes: result (b8-b5: 0 not
  // performed, 1 failed, 2 successful) with the failed command's sequence number (b4-b1), then the
  // script identifier 9F18 (zeros when absent).
  Bytes issuer_script_results;
  std::vector<std::string> script_log;  // "71 #1 84 1E ... -> 9000", for people
};

// The whole purchase. Never throws for anything the card sends: a card that breaks the protocol
// gives end_application with the reason. `online` may be empty (no online step: unable to go online).
Outcome run_transaction(Reader& reader, const TerminalConfig& terminal, const Transaction& transaction,
                        const OnlineAuthoriser& online = {});

// TVR bits the kernel sets (Book 3 Annex C5), byte index and mask.
namespace tvr {
inline constexpr std::pair<int, std::uint8_t> kOdaNotPerformed{0, 0x80}, kIccDataMissing{0, 0x20},
    kDdaFailed{0, 0x08}, kCdaFailed{0, 0x04}, kExpired{1, 0x40}, kNotYetEffective{1, 0x20}, kFloorLimitExceeded{3, 0x80},
    kIssuerAuthenticationFailed{4, 0x40}, kScriptFailedBeforeFinalAc{4, 0x20}, kScriptFailedAfterFinalAc{4, 0x10};
}  // namespace tvr

// Internal pieces, exposed for tests and fuzzing.
namespace detail {
struct DirectoryEntry {
  Bytes aid;
  std::string label;
  std::uint8_t priority = 0;
};
// Parses the PPSE FCI ('6F' / 'A5' / 'BF0C' / '61'*); Error(Errc::parse) when malformed.
std::vector<DirectoryEntry> parse_ppse(ByteView fci);
// Orders candidates: priority 1 first, 15 last, no priority after all (Book B §3.3.2).
void sort_by_priority(std::vector<DirectoryEntry>& entries);
// CDA (Book 2 §6.6): recovers the CA -> issuer -> ICC chain and checks the certificates against the
// card data; returns the ICC key or throws Error(Errc::crypto) with the reason (Errc::not_found
// when data is missing).
crypto::RsaPublicKey recover_icc_key(const std::map<std::uint32_t, Bytes>& card, const TerminalConfig& terminal,
                                     ByteView aid, ByteView static_data, const std::string& date);
// Book 2 §6.6.2: checks the signature of a GENERATE AC response and returns the cryptogram.
Bytes verify_cda(const crypto::RsaPublicKey& icc, ByteView sdad, ByteView unpredictable_number, std::uint8_t cid,
                 ByteView transaction_data_for_hash);
}  // namespace detail

}  // namespace sesame::host::emv
