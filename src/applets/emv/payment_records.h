// The persistent records of the payment applet (keys of AppletContext::persistent()) and the
// helpers the applet's commands share. Internal to applets/emv.
#pragma once

#include <cstdint>
#include <string>

#include "card/applet.h"
#include "util/bytes.h"

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
inline std::string record(std::uint8_t sfi, std::uint8_t n) { return "rec/" + std::to_string(sfi) + "/" + std::to_string(n); }
inline std::string log_entry(std::uint32_t seq) { return "log/" + std::to_string(seq); }
}  // namespace rec

inline constexpr std::uint8_t kLogSfi = 11;
inline constexpr std::uint8_t kLogRecords = 10;
// Log Format 9F4F (Book 3 Annex D): ATC, CID, amount, currency, date, type, CVR (proprietary DF01).
inline const Bytes kLogFormat{0x9F, 0x36, 0x02, 0x9F, 0x27, 0x01, 0x9F, 0x02, 0x06, 0x5F, 0x2A, 0x02,
                              0x9A, 0x03, 0x9C, 0x01, 0xDF, 0x01, 0x06};

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
