// The persistent records of the payment applet (keys of AppletContext::persistent()) and the
// helpers the applet's commands share. Internal to applets/emv.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "card/applet.h"
#include "iso7816/apdu.h"
#include "util/bytes.h"
#include "util/error.h"

namespace sesame::applets::emv {

namespace rec {
inline constexpr const char* kFci = "fci";         // FCI template returned by SELECT
inline constexpr const char* kAip = "aip";         // 82
inline constexpr const char* kAfl = "afl";         // 94
inline constexpr const char* kMasterKey = "mk";    // ICC master key for AC (16)
inline constexpr const char* kIccKey = "icckey";   // ICC RSA private key, PKCS#8 (absent: no CDA)
inline constexpr const char* kConfig = "cfg";      // limits, ARPC method, currency (see Config)
inline constexpr const char* kAtc = "atc";         // 9F36, written with put_now
inline constexpr const char* kLastOnlineAtc = "lonl";  // 9F13
inline constexpr const char* kOfflineCount = "ocnt";   // consecutive offline transactions (1)
inline constexpr const char* kOfflineAmount = "oamt";  // cumulative offline amount (8)
inline constexpr const char* kPinTries = "ptc";        // 9F17
inline constexpr const char* kLogSeq = "logseq";       // number of log entries written (4)
inline constexpr const char* kPinTryLimit = "ptl";     // PIN try limit (1)
inline constexpr const char* kPin = "pin";             // ISO 9564 format 2 PIN block (8); absent: no PIN
// Issuer scripts (docs/EMV.md "Issuer scripts"); records absent on cards personalised before them.
inline constexpr const char* kSmiKey = "smi";          // ICC master key for SM integrity (16)
inline constexpr const char* kSmcKey = "smc";          // ICC master key for SM confidentiality (16)
inline constexpr const char* kBlocked = "blk";         // application blocked by APPLICATION BLOCK (1)
inline constexpr const char* kScriptFailures = "sfail";  // consecutive refused script commands (1), put_now
inline constexpr const char* kScriptLimit = "slim";    // script failures that block scripting (1)
inline constexpr const char* kScriptResults = "sres";  // CVR byte 6 script bits of the last online transaction (1)
inline constexpr const char* kPersonalCode = "pcfg";   // Personal Code configuration (PersonalCodeConfig)
inline constexpr const char* kCodeVerified = "pcv";    // Personal Code verified: valid until (unix seconds, 8)
inline std::string record(std::uint8_t sfi, std::uint8_t n) { return "rec/" + std::to_string(sfi) + "/" + std::to_string(n); }
inline std::string log_entry(std::uint32_t seq) { return "log/" + std::to_string(seq); }
}  // namespace rec

inline constexpr std::uint8_t kLogSfi = 11;
inline constexpr std::uint8_t kLogRecords = 10;
// Log Format 9F4F (Book 3 Annex D): ATC, CID, amount, currency, date, type, CVR (proprietary DF01).
inline const Bytes kLogFormat{0x9F, 0x36, 0x02, 0x9F, 0x27, 0x01, 0x9F, 0x02, 0x06, 0x5F, 0x2A, 0x02,
                              0x9A, 0x03, 0x9C, 0x01, 0xDF, 0x01, 0x06};

// The transaction in progress on this channel (transient: deselection or reset abandons it).
struct Txn {
  enum class State { idle, processing, online } state = State::idle;  // processing: after GPO
  std::uint16_t atc = 0;
  Bytes pdol_data, cdol1_data, first_ac;
  bool script_window = false;          // the first GENERATE AC answered an ARQC: scripts may follow
  std::vector<Bytes> script_macs;      // MACs of the script commands accepted in this window (replay)
};

// CVR byte 6 (sesame layout, docs/EMV.md): script results of the last online transaction and states.
inline constexpr std::uint8_t kCvrScriptFailed = 0x08;    // b4: a script command failed
inline constexpr std::uint8_t kCvrScriptsBlocked = 0x04;  // b3: script failure limit reached
inline constexpr std::uint8_t kCvrAppBlocked = 0x02;      // b2: application blocked

// CVR byte 4 (sesame layout): Personal Code.
inline constexpr std::uint8_t kCvrCodeRequired = 0x20;  // b6: declined, the code is required
inline constexpr std::uint8_t kCvrCodeVerified = 0x10;  // b5: the code was verified for this transaction

// Small helpers the applet's files share.
inline std::uint64_t read_u(const card::Persistent& p, const char* key) {
  const SecureBytes* v = p.view(key);
  if (!v) fail(Errc::internal, std::string("payment applet: record missing: ") + key);
  std::uint64_t n = 0;
  for (auto b : v->view()) n = (n << 8) | b;
  return n;
}
inline std::uint64_t read_u_or(const card::Persistent& p, const char* key, std::uint64_t absent) {
  return p.contains(key) ? read_u(p, key) : absent;
}
inline Bytes be(std::uint64_t v, std::size_t n) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[n - 1 - i] = static_cast<std::uint8_t>(v >> (8 * i));
  return out;
}
inline Bytes required(const card::Persistent& p, const char* key) {
  const SecureBytes* v = p.view(key);
  if (!v) fail(Errc::internal, std::string("payment applet: record missing: ") + key);
  return v->reveal();
}
// A secret record, kept in zeroizing memory.
inline SecureBytes required_secret(const card::Persistent& p, const char* key) {
  auto v = p.get(key);
  if (!v) fail(Errc::internal, std::string("payment applet: record missing: ") + key);
  return std::move(*v);
}
// Blocked by APPLICATION BLOCK, or by the Personal Code's try limit (also when a torn VERIFY wrote
// the exhausted counter but not the block).
inline bool application_blocked(const card::Persistent& p) {
  return read_u_or(p, rec::kBlocked, 0) != 0 || (p.contains(rec::kPersonalCode) && read_u(p, rec::kPinTries) == 0);
}
// CVR byte 6: the script results record with the blocked states.
std::uint8_t script_cvr_byte(const card::Persistent& p);

// Issuer script commands (payment_scripts.cpp): APPLICATION BLOCK / UNBLOCK, PIN CHANGE/UNBLOCK,
// PUT DATA, UPDATE RECORD with secure messaging, accepted in the window the ARQC opens.
bool is_script_command(const iso7816::CommandApdu& apdu);
iso7816::ResponseApdu issuer_script(const iso7816::CommandApdu& apdu, card::AppletContext& ctx, Txn& txn);

// Personal Code (payment_personal_code.cpp): VERIFY, and the check of the first GENERATE AC, which
// returns the CVR byte 4 bits (0, kCvrCodeVerified or kCvrCodeRequired) and consumes a verification.
iso7816::ResponseApdu verify_personal_code(const iso7816::CommandApdu& apdu, card::AppletContext& ctx);
std::uint8_t personal_code_for_transaction(card::AppletContext& ctx, std::uint64_t amount);

struct PersonalCodeConfig {
  static constexpr std::uint8_t kPinTap = 1, kTapPinTap = 2;
  std::uint8_t mode = kTapPinTap;
  std::uint64_t entry_limit = 0;       // amounts above it need the code
  std::uint64_t validity_seconds = 60;  // how long a verification lasts
  Bytes encode() const;
  static PersonalCodeConfig decode(ByteView b);
};

struct Config {
  std::uint8_t lower_consecutive = 0, upper_consecutive = 0;
  std::uint64_t lower_amount = 0, upper_amount = 0;
  std::uint8_t arpc_method = 1;
  Bytes currency;  // 2 bytes BCD
  Bytes encode() const;
  static Config decode(ByteView b);  // Error(Errc::internal) when malformed
};

}  // namespace sesame::applets::emv

namespace sesame::applets::emv {
struct Profile;
// Writes every record of a freshly installed payment applet from its profile.
void personalise(card::AppletContext& ctx, const Profile& profile);
}  // namespace sesame::applets::emv
