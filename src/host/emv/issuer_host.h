// The issuer host's authorisation step (EMV Book 2 §8, Book 3 §10.9): derive the card's keys from
// the issuer master key, verify the ARQC, decide, and answer with an ARPC (method 1 or 2) for the
// card's issuer authentication. The cryptogram input is sesame's CVN 0x10 (crypto/emv_keys.h).
#pragma once

#include <cstdint>
#include <string>

#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::host::emv {

// What the kernel sends online (the ISO 8583 field 55 content, reduced to what the issuer needs).
struct AuthorisationRequest {
  std::string pan;        // digits
  std::string psn;        // 2 digits or empty
  std::uint16_t atc = 0;  // 9F36
  Bytes arqc;             // 9F26, 8 bytes
  Bytes cdol1_data;       // the CDOL1 related data the card's cryptogram covers
  Bytes aip;              // 82
  Bytes iad;              // 9F10: KDI, CVN, CVR (6)
  std::uint64_t amount = 0;  // for the decision only (the ARQC covers the CDOL1 amount)
};

struct AuthorisationResponse {
  bool arqc_valid = false;
  bool approved = false;
  Bytes arc;                           // 8A, 2 bytes: "00" approved, "05" do not honour
  Bytes issuer_authentication_data;    // 91: ARPC || ARC (method 1) or ARPC || CSU || PAD (method 2)
  // Issuer script templates 71 / 72 (issuer_scripts.h), concatenated as in ISO 8583 field 55. The
  // kernel delivers 71 before the second GENERATE AC and 72 after it (Book 3 §10.10).
  Bytes issuer_scripts;
};

class IssuerHost {
 public:
  // `arpc_method` 1 or 2, as the card was personalised. Approves valid ARQCs up to `approval_limit`.
  IssuerHost(SecureBytes issuer_master_key_ac, int arpc_method, std::uint64_t approval_limit = 1000000);

  AuthorisationResponse authorise(const AuthorisationRequest& request) const;

  // The parts, for tests and for a host that decides differently.
  bool verify_arqc(const AuthorisationRequest& request) const;

 private:
  SecureBytes imk_;
  int arpc_method_;
  std::uint64_t approval_limit_;
};

}  // namespace sesame::host::emv
