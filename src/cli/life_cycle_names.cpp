#include "cli/life_cycle_names.h"

#include <cstdio>

namespace sesame::cli {
namespace {
std::string with_code(const char* name, std::uint8_t code) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s (%02X)", name, code);
  return buf;
}
}  // namespace

std::string card_life_cycle_name(std::uint8_t code) {
  switch (code) {
    case 0x01: return with_code("OP_READY", code);
    case 0x07: return with_code("INITIALIZED", code);
    case 0x0F: return with_code("SECURED", code);
    case 0x7F: return with_code("CARD_LOCKED", code);
    case 0xFF: return with_code("TERMINATED", code);
    default: return with_code("unknown", code);
  }
}

std::string applet_life_cycle_name(std::uint8_t code) {
  // b8 set: LOCKED whatever the state before. 03 INSTALLED, 07 SELECTABLE, then b4-b7 are
  // application specific on top of SELECTABLE (0F PERSONALIZED for a security domain).
  if (code & 0x80) return with_code("LOCKED", code);
  if (code == 0x03) return with_code("INSTALLED", code);
  if (code == 0x07) return with_code("SELECTABLE", code);
  if (code == 0x0F) return with_code("PERSONALIZED", code);
  if ((code & 0x07) == 0x07) return with_code("SELECTABLE, application specific", code);
  return with_code("unknown", code);
}

}  // namespace sesame::cli
