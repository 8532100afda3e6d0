// GET STATUS (GP Card Specification 2.3 §11.4) through an SCP03 session: the card's registry as
// the tag-list format (P2 b2 = 1, 'E3' templates) returns it, following 6310 "more data" pages.
#pragma once

#include <cstdint>
#include <vector>

#include "host/gp/scp03_session.h"
#include "util/bytes.h"

namespace sesame::host::gp {

enum class StatusScope : std::uint8_t {
  isd = 0x80,                       // the Issuer Security Domain
  applications = 0x40,              // applications and supplementary security domains
  load_files = 0x20,                // executable load files
  load_files_and_modules = 0x10,    // executable load files and their modules
};

struct RegistryEntry {
  Bytes aid;                 // '4F'
  std::uint8_t life_cycle = 0;  // '9F70' (first byte)
  Bytes privileges;          // 'C5' (absent for load files)
  Bytes load_file_aid;       // 'C4'
  Bytes security_domain_aid; // 'CC'
  std::vector<Bytes> modules;  // '84'
};

// Throws Error(Errc::state) naming the status word when the card refuses (6A88 "nothing matches"
// gives an empty list), Error(Errc::parse) for a malformed answer.
std::vector<RegistryEntry> get_status(Scp03Session& session, StatusScope scope);

}  // namespace sesame::host::gp
