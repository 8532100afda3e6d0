#include "util/error.h"

namespace sesame {

const char* errc_name(Errc c) noexcept {
  switch (c) {
    case Errc::invalid_argument: return "invalid argument";
    case Errc::parse: return "parse error";
    case Errc::integrity: return "integrity error";
    case Errc::crypto: return "cryptographic error";
    case Errc::not_found: return "not found";
    case Errc::state: return "invalid state";
    case Errc::io: return "i/o error";
    case Errc::internal: return "internal error";
  }
  return "unknown error";
}

void fail(Errc code, const std::string& what) { throw Error(code, what); }

}  // namespace sesame
