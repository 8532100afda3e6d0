// The DGI file parser of `sesame gp personalise --dgi-file` (src/host/gp/dgi_file.cpp) on arbitrary
// text: nothing but Error(Errc::parse) may come out, and every entry it accepts must be well formed
// (a 1-based line within the text, in order, a value the DGI format can carry).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "host/gp/dgi_file.h"
#include "iso7816/gp_dgi.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sesame;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<host::gp::DgiEntry> entries;
  try {
    entries = host::gp::parse_dgi_file(text);
  } catch (const Error& e) {
    if (e.code() != Errc::parse) std::abort();
    return 0;
  }
  std::size_t lines = 1;
  for (char c : text) lines += c == '\n';
  int previous = 0;
  for (const auto& e : entries) {
    if (e.line <= previous || static_cast<std::size_t>(e.line) > lines) std::abort();
    previous = e.line;
    // What the file accepts, the DGI format must carry and give back unchanged.
    const auto back = iso7816::gp::parse_dgis(iso7816::gp::encode_dgi(e.tag, e.value.view()));
    if (back.size() != 1 || back[0].tag != e.tag || !(back[0].value == e.value)) std::abort();
  }
  if (entries.size() > host::gp::kMaxDgiFileEntries) std::abort();
  return 0;
}
