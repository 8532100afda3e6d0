// The one error type of the library layers (util, crypto, iso7816, store, card internals).
// Boundaries translate it: an applet's failure becomes a status word, a RACS failure an error
// line, an HTTP failure a problem document, a PKCS#11 failure a CK_RV. See docs/DECISIONS.md.
#pragma once

#include <stdexcept>
#include <string>

namespace sesame {

enum class Errc {
  invalid_argument,  // caller passed something malformed (bad hex, bad length, bad parameter)
  parse,             // outside input that does not follow its grammar (TLV, APDU, config)
  integrity,         // sealed data that fails authentication, or was moved or rolled back
  crypto,            // a cryptographic operation failed (bad key, verification failure)
  not_found,         // a named object does not exist
  state,             // operation not allowed in the current state
  io,                // storage or network failure
  internal,          // a bug: an invariant did not hold
};

const char* errc_name(Errc c) noexcept;

class Error : public std::runtime_error {
 public:
  Error(Errc code, const std::string& what) : std::runtime_error(what), code_(code) {}
  Errc code() const noexcept { return code_; }

 private:
  Errc code_;
};

[[noreturn]] void fail(Errc code, const std::string& what);

}  // namespace sesame
