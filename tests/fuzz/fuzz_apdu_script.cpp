// The APDU script parser of `sesame apdu --script` (src/cli/apdu_script.cpp) on arbitrary text:
// nothing but Error(Errc::parse) may come out, and every step it accepts must be well formed (a
// command of at least 4 bytes, a 1-based line within the text, a describable expectation).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cli/apdu_script.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sesame;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<cli::ScriptStep> steps;
  try {
    steps = cli::parse_apdu_script(text);
  } catch (const Error& e) {
    if (e.code() != Errc::parse) std::abort();
    return 0;
  }
  std::size_t lines = 1;
  for (char c : text) lines += c == '\n';
  int previous = 0;
  for (const auto& s : steps) {
    if (s.command.size() < 4) std::abort();
    if (s.line <= previous || static_cast<std::size_t>(s.line) > lines) std::abort();
    previous = s.line;
    if (s.expected) {
      if (s.expected->describe().empty()) std::abort();
      // An expected full response must match itself; a status word its own value.
      if (s.expected->full && !s.expected->matches(*s.expected->full)) std::abort();
      if (!s.expected->full) {
        const std::uint8_t sw[2] = {static_cast<std::uint8_t>(s.expected->sw >> 8),
                                    static_cast<std::uint8_t>(s.expected->sw)};
        if (!s.expected->matches(ByteView(sw, 2))) std::abort();
      }
    }
  }
  return 0;
}
