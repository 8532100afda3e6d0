#include "host/racs/racs_response.h"

#include <cstdio>

#include "util/error.h"

namespace sesame::host::racs {
namespace {

bool digit(char c) {
  return c >= '0' && c <= '9';
}

// Text a terminal can print: no control characters except tab.
bool printable(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7F) return false;
  }
  return true;
}

[[noreturn]] void bad(const std::string& why) {
  fail(Errc::parse, "RACS response: " + why);
}

std::string_view strip_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

// "BEGIN" or "BEGIN name"; nullopt if the line is not a BEGIN line at all.
std::optional<std::string> begin_name(std::string_view line) {
  if (line.substr(0, 5) != "BEGIN") return std::nullopt;
  std::string_view rest = line.substr(5);
  if (rest.empty()) return std::string();
  if (rest.front() != ' ') return std::nullopt;
  rest.remove_prefix(1);
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  if (rest.size() > 64) bad("a request name is at most 64 characters");
  if (rest.find(' ') != std::string_view::npos || !printable(rest)) bad("bad name after BEGIN");
  return std::string(rest);
}

}  // namespace

std::string RacsResult::line() const {
  char head[16];
  std::snprintf(head, sizeof head, "%c%03d %03d", ok ? '+' : '-', code, index);
  return text.empty() ? std::string(head) : std::string(head) + " " + text;
}

const RacsResult* RacsResponse::error() const {
  for (const auto& r : results)
    if (!r.ok) return &r;
  return nullptr;
}

RacsResult parse_result_line(std::string_view line) {
  // [+-] D D D ' ' D{3,6} [' ' text]
  if (line.size() < 8 || (line[0] != '+' && line[0] != '-'))
    bad("a result line starts with + or - and a code");
  RacsResult r;
  r.ok = line[0] == '+';
  if (!digit(line[1]) || !digit(line[2]) || !digit(line[3]) || line[4] != ' ')
    bad("a result code is three digits");
  r.code = (line[1] - '0') * 100 + (line[2] - '0') * 10 + (line[3] - '0');
  std::size_t i = 5;
  while (i < line.size() && digit(line[i]) && i - 5 < 6) r.index = r.index * 10 + (line[i++] - '0');
  if (i - 5 < 3) bad("a result line index is at least three digits");
  if (i < line.size()) {
    if (line[i] != ' ') bad("a space must follow the line index");
    const std::string_view text = line.substr(i + 1);
    if (!printable(text)) bad("control characters in a result text");
    r.text = std::string(text);
  }
  return r;
}

void RacsResponseParser::reset() {
  in_response_ = false;
  current_ = RacsResponse{};
}

std::optional<RacsResponse> RacsResponseParser::feed_line(std::string_view raw) {
  try {
    if (raw.size() > limits_.max_line) bad("line longer than " + std::to_string(limits_.max_line) + " bytes");
    const std::string_view line = strip_cr(raw);
    if (is_blank(line)) return std::nullopt;
    if (!in_response_) {
      if (auto name = begin_name(line)) {
        in_response_ = true;
        current_ = RacsResponse{};
        current_.name = std::move(*name);
        return std::nullopt;
      }
      if (line.front() == '-') {  // a protocol error answered without framing
        RacsResponse out;
        out.framed = false;
        out.results.push_back(parse_result_line(line));
        return out;
      }
      bad("expected BEGIN");
    }
    if (line == "END") {
      RacsResponse out = std::move(current_);
      reset();
      return out;
    }
    if (begin_name(line)) bad("BEGIN inside a response");
    if (current_.results.size() >= limits_.max_results) bad("too many result lines");
    current_.results.push_back(parse_result_line(line));
    return std::nullopt;
  } catch (...) {
    reset();
    throw;
  }
}

RacsResponse parse_racs_response(std::string_view text, ResponseLimits limits) {
  RacsResponseParser parser(limits);
  std::optional<RacsResponse> out;
  while (!text.empty()) {
    const std::size_t lf = text.find('\n');
    const std::string_view line = text.substr(0, lf);
    text = lf == std::string_view::npos ? std::string_view{} : text.substr(lf + 1);
    if (out) {
      if (!is_blank(strip_cr(line))) bad("text after the end of the response");
      continue;
    }
    out = parser.feed_line(line);
  }
  if (!out) bad(parser.in_response() ? "no END" : "empty");
  return std::move(*out);
}

}  // namespace sesame::host::racs
