// sesamed's main(), as a library function so tests can drive it.
//   sesamed --config FILE --state-dir DIR [--vpcd HOST:PORT[,SEID]]...
// Exit codes: 0 clean stop (SIGINT/SIGTERM), 1 runtime failure, 2 usage or configuration error.
#pragma once

namespace sesame::server {

int sesamed_main(int argc, char** argv);

}  // namespace sesame::server
