// The keyring-scd applet's commands over any Reader (docs/SIGNING.md "keyring-scd instruction
// set"). The keyring service drives the hosted applet with it through an InProcessReader; the
// SPAKE2+ shares, confirmations and envelopes it carries are made by the holder's terminal and are
// opaque here.
#pragma once

#include <cstdint>
#include <optional>

#include "host/reader.h"
#include "iso7816/keyring_protocol.h"
#include "util/bytes.h"
#include "util/error.h"

namespace sesame::host::keyring {

// A command the applet refused, with its status word (6982 wrong code/PIN or altered message,
// 6983 blocked, 6985 wrong state, 6984 a record that does not belong to this keyring, 6A88 unknown).
class KeyringCardRefused : public Error {
 public:
  explicit KeyringCardRefused(std::uint16_t sw);
  std::uint16_t sw() const noexcept { return sw_; }

 private:
  std::uint16_t sw_;
};

struct KeyringCardInfo {
  iso7816::keyring::KeyringState state = iso7816::keyring::KeyringState::created;
  std::uint8_t try_limit = 0, min_pin_length = 0, pin_tries = 0, activation_tries = 0;
  Bytes public_key, device_key, pin_salt;
};

struct CardExchange {
  Bytes share_v, confirm_v;
};

struct CardApproval {
  Bytes signature, receipt, receipt_signature;
};

class KeyringCardClient {
 public:
  // `reader` must outlive the client.
  KeyringCardClient(Reader& reader, Bytes aid);

  void select();
  void create(ByteView id, std::uint8_t try_limit, std::uint8_t min_pin_length, ByteView w0, ByteView l);
  CardExchange activate_start(ByteView id, ByteView share_p);
  Bytes activate_finish(ByteView id, ByteView confirm_p, ByteView envelope);  // the signing public key
  CardExchange approve_start(ByteView id, ByteView request_id, ByteView hash, ByteView description_hash,
                             ByteView share_p);
  CardApproval approve_finish(ByteView id, ByteView request_id, ByteView confirm_p, ByteView envelope);
  KeyringCardInfo info(ByteView id);
  Bytes receipt_key();
  void destroy(ByteView id);

 private:
  Bytes command(iso7816::keyring::Ins ins, ByteView data);
  Reader& reader_;
  Bytes aid_;
};

}  // namespace sesame::host::keyring
