// The front end of the split middleware (the phone's part; docs/EID.md, "The split middleware"):
// PACE with the card through the local reader, DG14 under the PACE channel, then the session is
// handed over to the verification back end (sealed to its key, host/eid/eid_handover.h) and the
// back end's command APDUs are relayed to the card until it is done. The password never leaves
// this process: only the PACE session keys do, and those open nothing but this PACE session,
// which the back end immediately replaces by Chip Authentication.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>

#include "crypto/ec_key.h"
#include "crypto/ecdh_envelope.h"
#include "host/eid/eid_handover.h"
#include "host/eid/eid_terminal.h"
#include "host/reader.h"
#include "util/bytes.h"
#include "util/error.h"

namespace sesame::host::eid {

// The back end ended the transaction: `what()` is its reason (e.g. "passive authentication: DG1
// does not match its hash in EF.SOD").
class BackEndRefused : public Error {
 public:
  explicit BackEndRefused(const std::string& reason)
      : Error(Errc::state, "the back end refused: " + reason) {}
};

// The back end as the front end reaches it (HTTPS: eid_back_end_client.h; tests: in process).
class BackEndLink {
 public:
  virtual ~BackEndLink() = default;
  // The back end's handover key (when the front end was not given one).
  virtual crypto::EcPublicKey handover_key() = 0;
  // Hands the session over; returns the first command APDU. BackEndRefused when refused.
  virtual Bytes start(const std::string& transaction_id, const crypto::EcdhEnvelope& handover) = 0;
  // The card's answer; the next command APDU, or nullopt when the back end is done (the DigitalID
  // is ready). BackEndRefused with the reason when the verification failed.
  virtual std::optional<Bytes> respond(const std::string& transaction_id, ByteView response_apdu) = 0;
};

// After a successful PACE on `terminal`: reads DG14 under the PACE channel and takes the session
// state (keys, SSC) for the handover. From then on the terminal must not use the channel.
// CardRefused (6982) when there is no PACE session on the card.
EidHandover take_handover(EidTerminal& terminal);

struct PresentOptions {
  PaceOptions pace;
  std::optional<crypto::EcPublicKey> handover_key;  // pinned out of band; else asked from the link
  std::size_t max_commands = 512;                   // a back end that never finishes is cut off
};

struct PresentResult {
  std::size_t commands_relayed = 0;
};

// PACE with `password`, DG14, the handover, then the relay. CardRefused for a wrong password (the
// card's status word; nothing is sent to the back end), BackEndRefused when the back end ends the
// transaction, Error(Errc::state) when it sends a command without secure messaging.
PresentResult present_eid(Reader& reader, const PacePassword& password, const std::string& transaction_id,
                          BackEndLink& link, const PresentOptions& options = {});

// The relay alone (after start): sends every command to the card, the answer back.
PresentResult relay_commands(Reader& reader, const std::string& transaction_id, BackEndLink& link,
                             Bytes first_command, std::size_t max_commands = 512);

}  // namespace sesame::host::eid
