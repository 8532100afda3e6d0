#include "host/racs/racs_request.h"

#include <algorithm>

#include "host/racs/racs_uri.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::host::racs {
namespace {

// A protocol word: printable ASCII without spaces, so it cannot split or end a line.
bool is_word(std::string_view w, std::size_t max) {
  return !w.empty() && w.size() <= max &&
         std::all_of(w.begin(), w.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

void check_seid(std::string_view seid) {
  if (!is_valid_seid(seid))
    fail(Errc::invalid_argument, "RACS: a SEID is 1-64 characters of A-Z a-z 0-9 . _ -");
}

}  // namespace

RacsRequest::RacsRequest(std::string name) : name_(std::move(name)) {
  if (!name_.empty() && !is_word(name_, 64))
    fail(Errc::invalid_argument, "RACS: a request name is at most 64 printable characters without spaces");
}

RacsRequest& RacsRequest::add(std::string line, bool append) {
  if (append) line += " APPEND";
  lines_.push_back(std::move(line));
  return *this;
}

RacsRequest& RacsRequest::get_version(bool append) {
  return add("GET-VERSION", append);
}

RacsRequest& RacsRequest::set_version(std::string_view version, bool append) {
  if (!is_word(version, 64)) fail(Errc::invalid_argument, "RACS: a version is one word");
  return add("SET-VERSION " + std::string(version), append);
}

RacsRequest& RacsRequest::list(bool append) {
  return add("LIST", append);
}

RacsRequest& RacsRequest::echo(std::string_view word, bool append) {
  if (!is_word(word, 256)) fail(Errc::invalid_argument, "RACS: ECHO takes one word of printable characters");
  return add("ECHO " + std::string(word), append);
}

RacsRequest& RacsRequest::power_on(std::string_view seid, bool append) {
  check_seid(seid);
  return add("POWERON " + std::string(seid), append);
}

RacsRequest& RacsRequest::shutdown(std::string_view seid, bool append) {
  check_seid(seid);
  return add("SHUTDOWN " + std::string(seid), append);
}

RacsRequest& RacsRequest::reset(std::string_view seid, bool warm, bool append) {
  check_seid(seid);
  return add("RESET " + std::string(seid) + (warm ? " WARM" : ""), append);
}

RacsRequest& RacsRequest::apdu(std::string_view seid, ByteView command_apdu, const ApduOptions& options,
                               bool append) {
  check_seid(seid);
  if (command_apdu.size() < 4) fail(Errc::invalid_argument, "RACS: a command APDU has at least 4 bytes");
  std::string line = "APDU " + std::string(seid) + " " + to_hex(command_apdu);
  if (options.continue_sw) {
    const std::uint8_t sw[2] = {static_cast<std::uint8_t>(*options.continue_sw >> 8),
                                static_cast<std::uint8_t>(*options.continue_sw)};
    line += " CONTINUE=" + to_hex(sw);
  }
  if (options.more_sw1) {
    const std::uint8_t sw1[1] = {*options.more_sw1};
    line += " MORE=" + to_hex(sw1);
  }
  if (options.fetch) line += " FETCH=" + to_hex(*options.fetch);
  return add(std::move(line), append);
}

std::string RacsRequest::encode() const {
  if (lines_.empty()) fail(Errc::invalid_argument, "RACS: a request needs at least one command");
  std::string out = name_.empty() ? "BEGIN\r\n" : "BEGIN " + name_ + "\r\n";
  for (const auto& l : lines_) out += l + "\r\n";
  out += "END\r\n";
  return out;
}

}  // namespace sesame::host::racs
