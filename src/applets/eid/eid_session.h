// The eID applet's transient state per logical channel (cleared on deselect, reset and power
// off): a PACE run in progress, the secure messaging session and what authenticated it.
#pragma once

#include <cstdint>
#include <optional>

#include "crypto/ec_curve.h"
#include "crypto/ec_point.h"
#include "iso7816/pace.h"
#include "iso7816/secure_messaging.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::applets::eid {

using iso7816::pace::PasswordRef;

// One PACE run between MSE:Set AT and the fourth GENERAL AUTHENTICATE.
struct PaceRun {
  PasswordRef ref = PasswordRef::can;
  Bytes oid;
  std::size_t key_length = 16;
  crypto::Curve curve = crypto::Curve::brainpool_p256r1;
  int step = 0;  // GENERAL AUTHENTICATE steps answered so far (0..3)
  SecureBytes nonce;
  std::optional<crypto::EcPoint> pcd_mapping_key;
  std::optional<crypto::EcPoint> mapped_generator;
  std::optional<crypto::EcKeyPairOnGenerator> ephemeral;
  std::optional<crypto::EcPoint> pcd_ephemeral;
  std::optional<iso7816::pace::SessionKeys> keys;
};

struct EidSession {
  std::optional<PaceRun> pace;
  std::optional<iso7816::SecureMessaging> sm;
  // Keys that take over once the current (old-key) response is wrapped: after PACE under SM
  // (resuming the PIN) and after Chip Authentication.
  std::optional<iso7816::SecureMessaging> next_sm;
  std::optional<PasswordRef> pace_password;  // the password of the PACE behind `sm`
  bool can_verified = false;                 // a PACE with the CAN succeeded: a suspended PIN may be used
  std::optional<std::size_t> ca_key_length;  // MSE:Set AT for Chip Authentication received
  bool ca_done = false;                      // `sm` comes from Chip Authentication
  bool ca_spent = false;                     // one Chip Authentication per PACE
  bool end_after_response = false;           // a failed PACE: SM ends once this answer is sent
  std::uint16_t current_ef = 0;

  // Ends secure messaging and everything that depended on it (ICAO 9303-11 §9.8.6.1).
  void end_secure_messaging() {
    pace.reset();
    sm.reset();
    next_sm.reset();
    pace_password.reset();
    can_verified = false;
    ca_key_length.reset();
    ca_done = false;
    ca_spent = false;
    end_after_response = false;
  }
};

}  // namespace sesame::applets::eid
