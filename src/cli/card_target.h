// The card a `sesame` verb works on: a card of the local state dir (its SEID), a remote card
// (--url racs://host:port/SEID, over mutual TLS: the over-the-air path) or a card in a PC/SC
// reader (--pcsc NAME). `sesame gp`, `sesame pay` and `sesame eid read` share it.
#pragma once

#include <functional>
#include <string>

#include "host/reader.h"

namespace sesame::cli {

struct CardTarget {
  std::string seid;                         // a card of the local state dir
  std::string url;                          // racs://host:port/SEID
  std::string pcsc;                         // a PC/SC reader name
  std::string cert, key, ca, pin_sha256;    // RACS credentials (default: <state-dir>/pki)
  int timeout_ms = 15000;                   // RACS: each network step
};

// Opens the target's reader, runs work(reader) and closes the reader again: the RACS session ends,
// the PC/SC card is disconnected, a local card is powered off. `config_path` (may be empty) names
// the sesamed configuration for a local card's store. Throws Error(not_found) for an unknown local
// SEID and Error(invalid_argument) for a URL without a SEID.
void with_card_reader(const CardTarget& target, const std::string& state_dir, const std::string& config_path,
                      const std::function<void(host::Reader&)>& work);

}  // namespace sesame::cli
