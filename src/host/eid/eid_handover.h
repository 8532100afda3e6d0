// The split middleware's handover (docs/EID.md, "The split middleware"): after PACE and reading
// DG14, the front end (the phone) hands the PACE secure-messaging session to the verification back
// end — DG14, KSenc, KSmac and the send-sequence counter — sealed end to end to the back end's
// static P-256 key (crypto/ecdh_envelope.h: ephemeral-static ECDH, HKDF-SHA-256, AES-256-GCM),
// with the transaction ID as associated data, so a TLS terminator or a relay sees nothing and a
// handover cannot be moved to another transaction.
//
// Plaintext: '30' { '80' DG14, '81' KSenc, '82' KSmac, '83' SSC (16 bytes) }.
#pragma once

#include <string>
#include <string_view>

#include "crypto/ec_key.h"
#include "crypto/ecdh_envelope.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::host::eid {

struct EidHandover {
  Bytes dg14;         // as read under PACE (the back end verifies it through EF.SOD after CA)
  SecureBytes k_enc;  // PACE session keys (16, 24 or 32 bytes each)
  SecureBytes k_mac;
  Bytes ssc;  // 16 bytes: the SSC before the next command
};

// HKDF info of the envelope; names the format so a key is never reused for something else.
inline constexpr std::string_view kHandoverInfo = "sesame eid handover v1";

// A transaction ID: 8..64 characters of A-Z a-z 0-9 '-' '_'. Error(Errc::invalid_argument) else.
void check_transaction_id(std::string_view transaction_id);

crypto::EcdhEnvelope seal_handover(const crypto::EcPublicKey& back_end_key, std::string_view transaction_id,
                                   const EidHandover& handover);
// Error(Errc::crypto) when the envelope does not open (altered, other key, other transaction),
// Error(Errc::parse) when its contents are malformed.
EidHandover open_handover(const crypto::EcPrivateKey& back_end_key, std::string_view transaction_id,
                          const crypto::EcdhEnvelope& envelope);

}  // namespace sesame::host::eid
