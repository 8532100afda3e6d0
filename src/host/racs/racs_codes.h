// The numbers of RACS result lines (draft-urien-core-racs), shared by the client's response
// parser and the server's request executor so the two sides cannot drift apart.
//   +NNN MMM text   NNN = 0NN, NN the command code
//   -XNN MMM text   X the error class, NN the command code (or a protocol error number)
#pragma once

namespace sesame::host::racs {

enum class Command : int {
  none = 0,  // protocol errors that belong to no command
  begin = 1,
  version = 2,  // GET-VERSION and SET-VERSION
  list = 4,
  reset = 5,
  apdu = 6,
  shutdown = 7,
  power_on = 8,
  echo = 9,
};

enum class ErrorClass : int {
  execution = 0,
  unknown_command = 1,
  not_implemented = 2,
  illegal_command = 3,
  bad_parameter = 4,
  syntax = 5,
  unauthorized = 6,
  in_use = 7,
  hardware = 8,
  system = 9,
};

}  // namespace sesame::host::racs
