// The sesame command line (docs/CLI.md), as a library function so tests can drive it.
// Exit codes: 0 success, 1 failure (including an APDU script mismatch), 2 usage error.
#pragma once

namespace sesame::cli {

int cli_main(int argc, char** argv);

}  // namespace sesame::cli
