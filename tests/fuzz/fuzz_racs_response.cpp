// The RACS client's response parser on arbitrary server output: the whole-text parser, and the
// incremental one fed line by line as the client reads them. Neither may crash, hang or accept a
// response whose results do not re-encode to lines it accepts again.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "host/racs/racs_response.h"
#include "util/error.h"

using sesame::Error;
using namespace sesame::host::racs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ResponseLimits limits{.max_line = 4096, .max_results = 64};
  try {
    const RacsResponse r = parse_racs_response(text, limits);
    for (const auto& result : r.results) {
      const RacsResult again = parse_result_line(result.line());
      if (again.ok != result.ok || again.code != result.code || again.index != result.index ||
          again.text != result.text)
        __builtin_trap();
    }
  } catch (const Error&) {
  }
  RacsResponseParser parser(limits);
  std::string_view rest = text;
  while (!rest.empty()) {
    const std::size_t lf = rest.find('\n');
    const std::string_view line = rest.substr(0, lf);
    rest = lf == std::string_view::npos ? std::string_view{} : rest.substr(lf + 1);
    try {
      if (auto r = parser.feed_line(line)) {
        if (r->results.size() > limits.max_results) __builtin_trap();
      }
    } catch (const Error&) {
      if (parser.in_response()) __builtin_trap();  // an error always resets the parser
    }
  }
  return 0;
}
