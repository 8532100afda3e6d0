// Building a RACS request (draft-urien-core-racs, as the reference server speaks it):
//   BEGIN [name]
//   <command> [APPEND]     one per line; the server numbers them 001, 002, ... (BEGIN is 000)
//   END
// Every argument is validated here, so a request that encodes is one the grammar accepts.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/bytes.h"

namespace sesame::host::racs {

// The options of an APDU command, handled by the server.
struct ApduOptions {
  // CONTINUE=SW1SW2: stop the request with -006 when this APDU's status word differs.
  std::optional<std::uint16_t> continue_sw;
  // MORE=SW1: while the card answers SW1 xx, fetch xx more bytes (with FETCH's header).
  std::optional<std::uint8_t> more_sw1;
  // FETCH=CLAINSP1P2: the header of the fetching command (e.g. 00C00000, GET RESPONSE).
  std::optional<std::array<std::uint8_t, 4>> fetch;
};

class RacsRequest {
 public:
  // name: optional, at most 64 printable characters without spaces (echoed in the response).
  explicit RacsRequest(std::string name = {});

  // Each adds one command line. With append, the command's result is kept next to the previous
  // ones instead of replacing them. Throw Error(Errc::invalid_argument) for a bad argument.
  RacsRequest& get_version(bool append = false);
  RacsRequest& set_version(std::string_view version, bool append = false);
  RacsRequest& list(bool append = false);
  RacsRequest& echo(std::string_view word, bool append = false);
  RacsRequest& power_on(std::string_view seid, bool append = false);
  RacsRequest& shutdown(std::string_view seid, bool append = false);
  RacsRequest& reset(std::string_view seid, bool warm, bool append = false);
  RacsRequest& apdu(std::string_view seid, ByteView command_apdu, const ApduOptions& options = {},
                    bool append = false);

  const std::string& name() const { return name_; }
  std::size_t size() const { return lines_.size(); }
  // The command lines without BEGIN/END (line i has index i + 1 in the response).
  const std::vector<std::string>& lines() const { return lines_; }

  // The whole request, CRLF line ends. Error(Errc::invalid_argument) when it has no command.
  std::string encode() const;

 private:
  RacsRequest& add(std::string line, bool append);

  std::string name_;
  std::vector<std::string> lines_;
};

}  // namespace sesame::host::racs
