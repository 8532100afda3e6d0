// The SEID (secure element identifier) syntax every transport and the store agree on.
#pragma once

#include <string_view>

namespace sesame {

// 1-64 characters of A-Z a-z 0-9 . _ - (safe in file names, URIs, log lines and RACS commands).
constexpr bool valid_seid(std::string_view s) noexcept {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace sesame
