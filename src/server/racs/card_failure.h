// How a failed CardService call becomes a RACS error line: the one mapping table of this boundary.
//   store::CardLeased (the card runs on another sesamed node)   -> -7NN In Use, served by another node
//   Errc::not_found (the card was deleted meanwhile)             -> -4NN invalid SEID
//   Errc::integrity, state, io, crypto (the card failed to load  -> -8NN hardware error
//     or to run: tampered records, a missing applet module, store I/O)
//   anything else (a bug in sesame)                              -> -9NN system error
// The text never carries the exception's message (it may name internals); the caller logs that.
#pragma once

#include <exception>
#include <string>

#include "server/racs/racs_request.h"

namespace sesame::server::racs {

// `cmd` is poweron, reset, apdu or shutdown; `failure` is what the CardService call threw.
RacsError card_failure(CommandCode cmd, const std::string& seid, const std::exception_ptr& failure);

}  // namespace sesame::server::racs
