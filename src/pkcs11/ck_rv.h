// The PKCS#11 boundary's one mapping table: whatever a call throws becomes exactly one CK_RV, so no
// exception (and no exit()) ever reaches the host application.
#pragma once

#include <cstdint>
#include <exception>

#include "pkcs11/cryptoki.h"
#include "util/error.h"

namespace sesame::pkcs11 {

// Thrown inside the module for a definite PKCS#11 answer (CKR_ARGUMENTS_BAD, CKR_SESSION_HANDLE_INVALID...).
class Pkcs11Error : public std::exception {
 public:
  explicit Pkcs11Error(CK_RV rv) : rv_(rv) {}
  CK_RV rv() const noexcept { return rv_; }
  const char* what() const noexcept override { return "PKCS#11 error"; }

 private:
  CK_RV rv_;
};

[[noreturn]] inline void throw_rv(CK_RV rv) {
  throw Pkcs11Error(rv);
}

// A WSCA status word (docs/WSCA.md) in a PKCS#11 call.
CK_RV ck_rv_of_sw(std::uint16_t sw) noexcept;
// A library error category.
CK_RV ck_rv_of_errc(Errc code) noexcept;
// The current exception (call inside a catch block): Pkcs11Error, host::wsca::CardRefused,
// sesame::Error, std::bad_alloc, anything else (CKR_GENERAL_ERROR).
CK_RV ck_rv_of_current_exception() noexcept;

// Runs `body` and returns its CK_RV, or the mapping of whatever it threw.
template <class F>
CK_RV guarded(F&& body) noexcept {
  try {
    return body();
  } catch (...) {
    return ck_rv_of_current_exception();
  }
}

}  // namespace sesame::pkcs11
