// Secrets typed at the `sesame` command line (the eID PIN, the EMV Personal Code): taken out of
// CLI11's strings into zeroizing buffers, or read from the controlling terminal with echo off.
#pragma once

#include <string>

#include "util/secure_buffer.h"

namespace sesame::cli {

// Moves `s` into a SecureString and wipes `s`.
SecureString take_secret(std::string& s);

// One line from /dev/tty with echo off (`prompt` shown first), at most 64 characters; Ctrl-C
// restores the terminal. Never reads a pipe: Error(invalid_argument) naming `without_tty` (what
// to give instead) when there is no terminal.
SecureString read_secret_from_tty(const char* prompt, const std::string& without_tty);

}  // namespace sesame::cli
