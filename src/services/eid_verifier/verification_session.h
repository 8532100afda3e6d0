// The back end's side of one split-middleware transaction (docs/EID.md, "The split middleware"):
// it takes over the PACE secure-messaging session the front end handed over (host/eid/eid_handover.h)
// and drives the card, one command APDU at a time through the front end's relay:
//   1. Chip Authentication v1 against DG14's key (MSE:Set AT, GENERAL AUTHENTICATE), under the
//      PACE keys; then secure messaging restarts with keys only this back end and the chip know;
//   2. READ BINARY of DG1, DG13 and EF.SOD under those keys.
// A relay that alters an answer, or answers from another card, fails the answer's MAC; any
// refusal or malformed answer ends the session for good (failed(), with the reason). The
// session checks no signatures: EidVerifier does passive authentication on what it read.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/ec_key.h"
#include "host/eid/eid_handover.h"
#include "iso7816/secure_messaging.h"
#include "util/bytes.h"

namespace sesame::services::eid {

// What the card returned under the Chip Authentication channel, plus the DG14 it was keyed on.
struct EidReadout {
  Bytes dg1, dg13, dg14, ef_sod;
};

struct SessionStep {
  enum class Kind { command, done, failed };
  Kind kind = Kind::failed;
  Bytes command;        // the command APDU to send to the card (Kind::command)
  std::string failure;  // why the session ended (Kind::failed)
};

class VerificationSession {
 public:
  // Parses DG14 and sets up secure messaging at the handed-over SSC. Error(Errc::parse /
  // not_found) when DG14 holds no usable Chip Authentication v1 key. `ephemeral` makes the
  // terminal's CA key pair (tests may fix it).
  explicit VerificationSession(host::eid::EidHandover handover,
                               std::function<crypto::EcPrivateKey(crypto::Curve)> ephemeral = {});
  ~VerificationSession();
  VerificationSession(const VerificationSession&) = delete;
  VerificationSession& operator=(const VerificationSession&) = delete;

  // The first command APDU (protected MSE:Set AT for Chip Authentication). Once.
  Bytes first_command();
  // The card's response APDU (data || SW1 SW2) to the last command.
  SessionStep on_response(ByteView response_apdu);

  bool done() const { return phase_ == Phase::done; }
  bool failed() const { return phase_ == Phase::failed; }
  const std::string& failure() const { return failure_; }
  // Complete once done().
  const EidReadout& readout() const { return readout_; }
  // How many command APDUs this session has produced.
  std::size_t commands() const { return commands_; }

 private:
  enum class Phase { start, set_at, general_authenticate, read, done, failed };
  SessionStep fail_with(std::string reason);
  SessionStep command(const iso7816::CommandApdu& plain);
  SessionStep read_next();
  SessionStep after_read(const iso7816::ResponseApdu& r);

  Phase phase_ = Phase::start;
  std::string failure_;
  EidReadout readout_;
  std::unique_ptr<iso7816::SecureMessaging> sm_;
  Bytes ca_oid_;
  std::size_t key_length_ = 16;
  std::optional<crypto::EcPublicKey> card_key_;
  std::optional<crypto::EcPrivateKey> ephemeral_;
  // Reading: the file index (DG1, DG13, EF.SOD), what came so far, its length once known.
  std::size_t file_ = 0;
  Bytes content_;
  std::size_t total_ = 0;
  std::size_t commands_ = 0;
};

}  // namespace sesame::services::eid
