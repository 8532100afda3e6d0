// The RACS request grammar (draft-urien-core-racs, as its reference server speaks it), one line at a
// time. A request is
//   BEGIN [name]
//   command [arguments] [APPEND]      (any number)
//   END
// with lines ending in LF or CR LF. This file only turns a line into a Command or an Error; the
// BEGIN/END framing, APPEND and execution are RacsSession's (racs_session.h). No I/O here.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "host/racs/racs_codes.h"
#include "util/bytes.h"

namespace sesame::server::racs {

inline constexpr std::size_t max_request_name = 64;

// The numbers of result lines are the client's (host/racs/racs_codes.h): one table for both sides.
using CommandCode = host::racs::Command;
using host::racs::ErrorClass;

struct RacsError {
  ErrorClass cls;
  int yz;  // two digits: the command code, or a protocol error number for class 1/3
  std::string text;
  bool closes_session = false;  // a protocol error: the session ends after the error response

  int code() const { return static_cast<int>(cls) * 100 + yz; }
};

RacsError command_error(ErrorClass cls, CommandCode cmd, std::string text);
RacsError protocol_error(ErrorClass cls, int yz, std::string text);

enum class Verb { begin, end, get_version, set_version, list, echo, poweron, shutdown, reset, apdu };

struct ApduOptions {
  std::optional<std::uint16_t> continue_sw;    // CONTINUE=SW1SW2: stop the request unless the SW is this
  std::optional<std::uint8_t> more_sw1;        // MORE=SW1: fetch the rest while SW1 is this (e.g. 61)
  std::optional<std::array<std::uint8_t, 4>> fetch;  // FETCH=CLAINSP1P2: the fetch command (default 00C00000)
};

struct Command {
  Verb verb = Verb::end;
  std::string word;  // BEGIN name, ECHO word, SET-VERSION version, or the SEID of a card command
  Bytes apdu;        // APDU
  ApduOptions options;
  bool warm = false;    // RESET ... WARM
  bool append = false;  // the line ended with APPEND
};

CommandCode code_of(Verb verb);

// Parses one line (without its LF; a trailing CR is accepted). An empty or blank line is
// std::monostate. Protocol errors (an unknown command, a control character, a BEGIN name over 64
// characters) have closes_session set. `max_apdu` bounds the APDU length in bytes.
using ParsedLine = std::variant<std::monostate, Command, RacsError>;
ParsedLine parse_line(std::string_view line, std::size_t max_apdu = 65544);

}  // namespace sesame::server::racs
