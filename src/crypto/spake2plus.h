// SPAKE2+ (RFC 9383), ciphersuite P256-SHA256-HKDF-SHA256-HMAC-SHA256: an augmented PAKE. The
// prover (the holder's terminal) knows a password (an activation code); the verifier (the server)
// keeps only the registration record (w0, L = w1·P) and so cannot act as the prover if the record
// leaks. A passive observer of a run learns nothing to test password guesses against offline; an
// active attacker tests one guess per run (online), which the verifier rate-limits.
//
// Message flow (RFC 9383 section 3.3):
//   prover  -> verifier: shareP
//   verifier -> prover:  shareV, confirmV
//   prover  -> verifier: confirmP
// Both sides then hold K_shared. Received points are validated (on the curve, not the identity);
// confirmations are compared in constant time; every refusal is Error(Errc::crypto) (D6).
#pragma once

#include <cstddef>

#include "crypto/scrypt.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::crypto::spake2plus {

// Sizes for P-256: scalars 32 bytes, shares (uncompressed SEC1 points) 65, MACs and keys 32.
inline constexpr std::size_t kScalarSize = 32;
inline constexpr std::size_t kShareSize = 65;
inline constexpr std::size_t kMacSize = 32;
// RFC 9383 section 3.2: each half of the PBKDF output is ceil(log2(p))/8 + 8 bytes (40 for
// P-256) so that reducing it modulo the group order has negligible bias.
inline constexpr std::size_t kPbkdfHalfSize = 40;

// The protocol context and both identities, bound into the transcript. Public values.
struct Context {
  Bytes context;
  Bytes prover_id;
  Bytes verifier_id;
};

// What the prover derives from the password: w0 and w1, each a 32-byte scalar in [1, n-1].
struct ProverSecret {
  SecureBytes w0;
  SecureBytes w1;
};

// What the verifier stores at registration: w0 and L = w1·P (uncompressed, 65 bytes). w0 is kept
// secret too (with w0 an attacker can impersonate the verifier to the prover).
struct VerifierRecord {
  SecureBytes w0;
  Bytes l;
};

// The password stretch, which RFC 9383 leaves to the application: scrypt over
// len(pw)||pw||len(idProver)||idProver||len(idVerifier)||idVerifier (lengths 8-byte little
// endian, as in the RFC), with a public per-registration salt (16+ bytes), 80 bytes out.
SecureBytes stretch_password(ByteView password, ByteView salt, const Context& ctx,
                             const ScryptParams& params = {});
// w0s || w1s (2 x kPbkdfHalfSize bytes) -> w0 = w0s mod n, w1 = w1s mod n. Refuses a wrong length
// (invalid_argument) and a zero scalar (crypto).
ProverSecret prover_secret_from_pbkdf_output(ByteView w0s_w1s);
// The registration record for a prover secret: (w0, w1·P).
VerifierRecord make_verifier_record(const ProverSecret& secret);

// ---- The RFC's steps, public so that the RFC 9383 Appendix C vectors can check each one. ----
// shareP = x·P + w0·M, shareV = y·P + w0·N (uncompressed).
Bytes compute_share_p(ByteView x, ByteView w0);
Bytes compute_share_v(ByteView y, ByteView w0);
struct SharedPoints {
  SecureBytes z;  // uncompressed SEC1
  SecureBytes v;
};
// Prover: Z = x·(shareV - w0·N), V = w1·(shareV - w0·N). Validates shareV.
SharedPoints prover_points(ByteView x, const ProverSecret& secret, ByteView share_v);
// Verifier: Z = y·(shareP - w0·M), V = y·L. Validates shareP.
SharedPoints verifier_points(ByteView y, const VerifierRecord& record, ByteView share_p);
// TT (RFC 9383 section 3.3): every item prefixed by its 8-byte little-endian length.
SecureBytes transcript(const Context& ctx, ByteView share_p, ByteView share_v, const SharedPoints& points,
                       ByteView w0);
struct KeySchedule {
  SecureBytes k_main;       // Hash(TT)
  SecureBytes k_confirm_p;  // KDF(nil, K_main, "ConfirmationKeys")[0..32)
  SecureBytes k_confirm_v;  // ... [32..64)
  SecureBytes k_shared;     // KDF(nil, K_main, "SharedKey")
  Bytes confirm_p;          // MAC(K_confirmP, shareV)
  Bytes confirm_v;          // MAC(K_confirmV, shareP)
};
KeySchedule key_schedule(ByteView tt, ByteView share_p, ByteView share_v);

// ---- The two roles. Each object runs one exchange; calls out of order are Errc::state. ----
class Prover {
 public:
  // A fresh random x per object: never reuse a Prover for a second run.
  Prover(Context ctx, ProverSecret secret);
  // Tests: a given x in [1, n-1].
  static Prover with_scalar(Context ctx, ProverSecret secret, const SecureBytes& x);

  const Bytes& share() const noexcept { return share_p_; }  // shareP, to send first
  struct Result {
    Bytes confirm_p;  // to send to the verifier
    SecureBytes k_shared;
  };
  // Receives shareV and confirmV; refuses an invalid point or a wrong confirmV (Errc::crypto:
  // a wrong password or a tampered message; the caller learns no more than that).
  Result finish(ByteView share_v, ByteView confirm_v);

 private:
  Prover(Context ctx, ProverSecret secret, SecureBytes x);
  Context ctx_;
  ProverSecret secret_;
  SecureBytes x_;
  Bytes share_p_;
  bool done_ = false;
};

class Verifier {
 public:
  Verifier(Context ctx, VerifierRecord record);
  static Verifier with_scalar(Context ctx, VerifierRecord record, const SecureBytes& y);

  struct Response {
    Bytes share_v;
    Bytes confirm_v;
  };
  // Receives shareP; refuses an invalid point (Errc::crypto).
  Response respond(ByteView share_p);
  // Checks confirmP; returns K_shared, or throws Errc::crypto (the run is then dead).
  SecureBytes finish(ByteView confirm_p);

 private:
  Verifier(Context ctx, VerifierRecord record, SecureBytes y);
  Context ctx_;
  VerifierRecord record_;
  SecureBytes y_;
  SecureBytes k_shared_;
  Bytes expected_confirm_p_;
  enum class Step { start, responded, done } step_ = Step::start;
};

}  // namespace sesame::crypto::spake2plus
