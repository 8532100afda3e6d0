// The terminal side of an eMRTD / eID card over any Reader: PACE (ECDH generic mapping, AES) with
// the MRZ, CAN, PIN or PUK, Chip Authentication v1 (reads DG14), and reading files by SFI or FID
// under secure messaging. ICAO Doc 9303-11 §4.4, §6.2, §9.8; BSI TR-03110-2/-3. The APDUs:
// docs/EID.md.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "crypto/ec_point.h"
#include "host/eid/sm_channel.h"
#include "host/reader.h"
#include "iso7816/pace.h"
#include "iso7816/security_infos.h"
#include "util/bytes.h"
#include "util/error.h"
#include "util/secure_buffer.h"

namespace sesame::host::eid {

using iso7816::pace::PasswordRef;

// The card refused a step: the status word tells why (63Cx wrong PIN with x tries left, 63C1 /
// 6982 suspended PIN, 63C0 / 6983 blocked, 6300 wrong CAN/MRZ, 6982 access denied).
class CardRefused : public Error {
 public:
  CardRefused(std::string what, std::uint16_t sw) : Error(Errc::state, what), sw_(sw) {}
  std::uint16_t sw() const noexcept { return sw_; }

 private:
  std::uint16_t sw_;
};

// A PACE password, as f(π): the ASCII characters of a CAN/PIN/PUK, SHA-1 of the MRZ information.
struct PacePassword {
  PasswordRef ref = PasswordRef::can;
  SecureBytes f_pi;
  static PacePassword mrz(std::string_view document_number, std::string_view date_of_birth,
                          std::string_view date_of_expiry);
  static PacePassword can(std::string_view can);
  static PacePassword pin(std::string_view pin);
  static PacePassword puk(std::string_view puk);
};

struct PaceOptions {
  // Plain SELECT by AID before PACE (a hosted card selects its applet; real cards accept it).
  // nullopt: the card's current (default) application is used.
  std::optional<Bytes> select_aid = Bytes{0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01};
  // Send '84' (domain parameter ID) in MSE:Set AT when the PACEInfo names one.
  bool send_parameter_id = true;
  // Key pairs over a generator (mapping, then ephemeral): tests inject published keys.
  std::function<crypto::EcKeyPairOnGenerator(const crypto::EcPoint&)> key_pair =
      [](const crypto::EcPoint& g) { return crypto::EcKeyPairOnGenerator::generate(g); };
};

class EidTerminal {
 public:
  // `reader` must outlive the terminal; the card should be connected.
  explicit EidTerminal(Reader& reader) : reader_(&reader) {}

  // Reads EF.CardAccess (SFI 1C, plain, after the optional SELECT) and runs PACE with the first
  // PACEInfo this terminal supports. Under an existing channel (e.g. a PIN resumed after a CAN
  // PACE) the exchange is protected. Throws CardRefused with the card's status word, or
  // Error(Errc::crypto) when the card's token or a key is wrong.
  void pace(const PacePassword& password, const PaceOptions& options = {});
  // PACE with a given PACEInfo (EF.CardAccess already read, or known).
  void pace(const PacePassword& password, const iso7816::PaceInfo& info, const PaceOptions& options = {});

  // Chip Authentication v1: reads DG14 (SFI 0E) under the PACE channel, runs MSE:Set AT +
  // GENERAL AUTHENTICATE with an ephemeral key against the chip's CA key, and restarts secure
  // messaging with the new keys. Returns DG14 as read (for passive authentication).
  Bytes chip_authentication();

  // Reads a whole transparent EF (up to 32767 bytes) by SFI or by FID (SELECT P1 02, P2 0C),
  // under secure messaging when established. CardRefused with the status word (6982, 6A82...).
  Bytes read_file_sfi(std::uint8_t sfi);
  Bytes read_file_fid(std::uint16_t fid);

  // One command, protected when a channel is established.
  iso7816::ResponseApdu transmit(const iso7816::CommandApdu& command);

  bool secure() const { return channel_.has_value(); }
  SmChannel* channel() { return channel_ ? &*channel_ : nullptr; }
  const Bytes& card_access() const { return card_access_; }
  // True after a successful Chip Authentication on the current PACE.
  bool chip_authenticated() const { return chip_authenticated_; }

 private:
  iso7816::ResponseApdu expect_ok(const iso7816::CommandApdu& command, const char* step);
  Bytes read_rest(Bytes first, std::size_t chunk);

  Reader* reader_;
  std::optional<SmChannel> channel_;
  Bytes card_access_;
  bool chip_authenticated_ = false;
};

}  // namespace sesame::host::eid
