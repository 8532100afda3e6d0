// Parsing a RACS response (draft-urien-core-racs, as the reference server speaks it):
//   BEGIN [name]
//   +NNN MMM text     a result: NNN the command's code, MMM its line in the request (BEGIN 000)
//   -XNN MMM text     an error: X its class, NN the command's code; it replaces the whole response
//   END
// A server may also send a bare error line without BEGIN/END (a protocol error, after which it
// closes the session). Everything here is outside input: it is parsed strictly and bounded.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/racs/racs_codes.h"

namespace sesame::host::racs {

struct RacsResult {
  bool ok = true;
  int code = 0;   // the three digits after + or -: 006, 708, ...
  int index = 0;  // MMM
  std::string text;

  int command() const { return ok ? code : code % 100; }
  ErrorClass error_class() const { return static_cast<ErrorClass>(code / 100); }  // errors only
  std::string line() const;  // re-encoded: "+006 001 9000"
};

struct RacsResponse {
  bool framed = true;  // false: a bare error line with no BEGIN/END
  std::string name;    // BEGIN's name, "" if none
  std::vector<RacsResult> results;

  // The first error line, or nullptr.
  const RacsResult* error() const;
};

struct ResponseLimits {
  std::size_t max_line = 140 * 1024;  // a 65538-byte response APDU in hex, and room for the rest
  std::size_t max_results = 4096;
};

// Incremental: feed one line at a time as it arrives.
class RacsResponseParser {
 public:
  explicit RacsResponseParser(ResponseLimits limits = {}) : limits_(limits) {}

  // One line without its LF (a trailing CR is removed). Returns the response it completes.
  // Blank lines are skipped. Throws Error(Errc::parse) for anything outside the grammar or
  // over a limit; the parser is then reset.
  std::optional<RacsResponse> feed_line(std::string_view line);

  // Inside BEGIN ... END.
  bool in_response() const { return in_response_; }
  // What has arrived of an unfinished response (for a server that closes after an error line).
  const RacsResponse& partial() const { return current_; }
  void reset();

 private:
  ResponseLimits limits_;
  bool in_response_ = false;
  RacsResponse current_;
};

// One result line, "+NNN MMM text" or "-XNN MMM text". Throws Error(Errc::parse).
RacsResult parse_result_line(std::string_view line);

// Exactly one whole response (lines separated by LF or CRLF; blank lines allowed around it).
// Throws Error(Errc::parse) when incomplete, malformed or followed by anything but blank lines.
RacsResponse parse_racs_response(std::string_view text, ResponseLimits limits = {});

}  // namespace sesame::host::racs
