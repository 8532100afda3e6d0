#include "server/racs/card_failure.h"

#include "store/store.h"
#include "util/error.h"

namespace sesame::server::racs {
namespace {

const char* verb(CommandCode cmd) {
  switch (cmd) {
    case CommandCode::power_on:
      return "POWERON";
    case CommandCode::reset:
      return "RESET";
    case CommandCode::apdu:
      return "APDU";
    case CommandCode::shutdown:
      return "SHUTDOWN";
    default:
      return "COMMAND";
  }
}

}  // namespace

RacsError card_failure(CommandCode cmd, const std::string& seid, const std::exception_ptr& failure) {
  const std::string v = verb(cmd);
  try {
    if (failure) std::rethrow_exception(failure);
  } catch (const store::CardLeased&) {  // PostgreSQL store: another sesamed node serves the card now
    return command_error(ErrorClass::in_use, cmd, v + " error, SEID " + seid + " In Use, served by another node");
  } catch (const Error& e) {
    switch (e.code()) {
      case Errc::not_found:
        return command_error(ErrorClass::bad_parameter, cmd,
                             cmd == CommandCode::apdu ? v + " invalid SEID" : v + " invalid SEID (" + seid + ")");
      case Errc::integrity:
      case Errc::state:
      case Errc::io:
      case Errc::crypto:
        return command_error(ErrorClass::hardware, cmd,
                             cmd == CommandCode::apdu ? std::string("APDU execution error")
                                                      : v + " error, SEID " + seid + " hardware error");
      case Errc::invalid_argument:
      case Errc::parse:
      case Errc::internal:
        break;
    }
  } catch (...) {
  }
  return command_error(ErrorClass::system, cmd, v + " error, SEID " + seid + " system error");
}

}  // namespace sesame::server::racs
