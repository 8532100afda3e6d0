// A secure messaging channel to a card over any Reader (ICAO 9303-11 §9.8, AES): every command is
// wrapped, every response checked and opened. The first failure (a wrong MAC, a plain answer such
// as 6987/6988) kills the channel: the card has ended the session too, so later transmits throw.
#pragma once

#include "host/reader.h"
#include "iso7816/apdu.h"
#include "iso7816/secure_messaging.h"
#include "util/secure_buffer.h"

namespace sesame::host::eid {

class SmChannel {
 public:
  // `reader` must outlive the channel. SSC starts at 0.
  SmChannel(Reader& reader, SecureBytes k_enc, SecureBytes k_mac);

  // Error(Errc::crypto) when the response fails verification, Error(Errc::state) once broken;
  // reader errors (Errc::io) pass through and also break the channel.
  iso7816::ResponseApdu transmit(const iso7816::CommandApdu& plain);

  bool broken() const { return broken_; }
  // The session's state (the split middleware hands it over; tests inspect the SSC).
  iso7816::SecureMessaging& session() { return sm_; }
  // The session keys, for the split middleware's handover (host/eid/eid_handover.h) only.
  const SecureBytes& k_enc() const { return k_enc_; }
  const SecureBytes& k_mac() const { return k_mac_; }

 private:
  Reader* reader_;
  SecureBytes k_enc_, k_mac_;
  iso7816::SecureMessaging sm_;
  bool broken_ = false;
};

}  // namespace sesame::host::eid
