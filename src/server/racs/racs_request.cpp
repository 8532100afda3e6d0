#include "server/racs/racs_request.h"

#include <vector>

#include "util/seid.h"

namespace sesame::server::racs {
namespace {

// Protocol error numbers of class 3 (illegal command) and 1 (unknown command). Documented in
// docs/RACS.md; 300-302 are the reference server's.
constexpr int illegal_control_character = 5;
constexpr int begin_syntax = 6;

bool is_space(char c) { return c == ' ' || c == '\t'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Strict hex: an even number of hex digits, nothing else.
std::optional<Bytes> parse_hex(std::string_view s) {
  if (s.size() % 2 != 0) return std::nullopt;
  Bytes out;
  out.reserve(s.size() / 2);
  for (std::size_t i = 0; i < s.size(); i += 2) {
    const int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

struct VerbName {
  const char* name;
  Verb verb;
};
constexpr VerbName verbs[] = {
    {"BEGIN", Verb::begin},       {"END", Verb::end},     {"GET-VERSION", Verb::get_version},
    {"SET-VERSION", Verb::set_version}, {"LIST", Verb::list}, {"ECHO", Verb::echo},
    {"POWERON", Verb::poweron},   {"SHUTDOWN", Verb::shutdown}, {"RESET", Verb::reset},
    {"APDU", Verb::apdu},
};

const char* name_of(Verb v) {
  for (const auto& e : verbs)
    if (e.verb == v) return e.name;
  return "?";
}

// Requires exactly `n` arguments after the verb: -5NN when fewer, -5NN when more.
std::optional<RacsError> arity(Verb v, const std::vector<std::string_view>& args, std::size_t min, std::size_t max,
                               const char* what) {
  if (args.size() < min)
    return command_error(ErrorClass::syntax, code_of(v), std::string(name_of(v)) + " error, " + what + " is missing");
  if (args.size() > max)
    return command_error(ErrorClass::syntax, code_of(v), std::string(name_of(v)) + " error, too many parameters");
  return std::nullopt;
}

std::optional<RacsError> parse_apdu_option(std::string_view tok, ApduOptions& o) {
  const auto eq = tok.find('=');
  const auto bad = [&](const std::string& why) {
    return command_error(ErrorClass::bad_parameter, CommandCode::apdu, "APDU error, " + why);
  };
  if (eq == std::string_view::npos) return bad("unknown option " + std::string(tok));
  const std::string_view key = tok.substr(0, eq), value = tok.substr(eq + 1);
  const auto hex = parse_hex(value);
  if (iequals(key, "CONTINUE")) {
    if (o.continue_sw) return bad("CONTINUE given twice");
    if (!hex || hex->size() != 2) return bad("CONTINUE=SW1SW2 needs 4 hex digits");
    o.continue_sw = static_cast<std::uint16_t>((*hex)[0] << 8 | (*hex)[1]);
  } else if (iequals(key, "MORE")) {
    if (o.more_sw1) return bad("MORE given twice");
    if (!hex || hex->size() != 1) return bad("MORE=SW1 needs 2 hex digits");
    o.more_sw1 = (*hex)[0];
  } else if (iequals(key, "FETCH")) {
    if (o.fetch) return bad("FETCH given twice");
    if (!hex || hex->size() != 4) return bad("FETCH=CLAINSP1P2 needs 8 hex digits");
    o.fetch = std::array<std::uint8_t, 4>{(*hex)[0], (*hex)[1], (*hex)[2], (*hex)[3]};
  } else {
    return bad("unknown option " + std::string(key));
  }
  return std::nullopt;
}

// Error texts quote the client's tokens; a response line must stay printable ASCII whatever the
// request held, so every other byte is shown as '?'.
std::string printable(std::string text) {
  for (char& c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7E) c = '?';
  }
  return text;
}

}  // namespace

RacsError command_error(ErrorClass cls, CommandCode cmd, std::string text) {
  return RacsError{cls, static_cast<int>(cmd), printable(std::move(text)), false};
}

RacsError protocol_error(ErrorClass cls, int yz, std::string text) {
  return RacsError{cls, yz, printable(std::move(text)), true};
}

CommandCode code_of(Verb verb) {
  switch (verb) {
    case Verb::begin:
      return CommandCode::begin;
    case Verb::get_version:
    case Verb::set_version:
      return CommandCode::version;
    case Verb::list:
      return CommandCode::list;
    case Verb::echo:
      return CommandCode::echo;
    case Verb::poweron:
      return CommandCode::power_on;
    case Verb::shutdown:
      return CommandCode::shutdown;
    case Verb::reset:
      return CommandCode::reset;
    case Verb::apdu:
      return CommandCode::apdu;
    case Verb::end:
      return CommandCode::none;
  }
  return CommandCode::none;
}

ParsedLine parse_line(std::string_view line, std::size_t max_apdu) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  for (char c : line) {
    const auto u = static_cast<unsigned char>(c);
    // Printable ASCII and tab only: nothing a result line could echo may break the framing.
    if ((u < 0x20 && c != '\t') || u > 0x7E)
      return protocol_error(ErrorClass::illegal_command, illegal_control_character,
                            "Invalid character in command line (byte " + std::to_string(u) + ")");
  }
  std::vector<std::string_view> tokens;
  for (std::size_t i = 0; i < line.size();) {
    while (i < line.size() && is_space(line[i])) ++i;
    const std::size_t start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (i > start) tokens.push_back(line.substr(start, i - start));
  }
  if (tokens.empty()) return std::monostate{};

  Command cmd;
  bool known = false;
  for (const auto& e : verbs) {
    if (iequals(tokens[0], e.name)) {
      cmd.verb = e.verb;
      known = true;
      break;
    }
  }
  if (!known) {
    std::string shown(tokens[0].substr(0, 32));
    return protocol_error(ErrorClass::unknown_command, 0, shown + " unknown command");
  }
  std::vector<std::string_view> args(tokens.begin() + 1, tokens.end());
  if (cmd.verb != Verb::begin && cmd.verb != Verb::end && !args.empty() && iequals(args.back(), "APPEND")) {
    cmd.append = true;
    args.pop_back();
  }

  switch (cmd.verb) {
    case Verb::begin:
      if (args.size() > 1)
        return protocol_error(ErrorClass::illegal_command, begin_syntax, "BEGIN takes at most one name");
      if (!args.empty()) {
        if (args[0].size() > max_request_name) return protocol_error(ErrorClass::illegal_command, 2, "Script name > 64");
        cmd.word = std::string(args[0]);
      }
      return cmd;
    case Verb::end:
      return cmd;  // the reference server ignores anything after END
    case Verb::get_version:
    case Verb::list:
      if (auto e = arity(cmd.verb, args, 0, 0, "nothing")) return *e;
      return cmd;
    case Verb::set_version:
      if (auto e = arity(cmd.verb, args, 1, 1, "version value")) return *e;
      cmd.word = std::string(args[0]);
      return cmd;
    case Verb::echo:
      if (auto e = arity(cmd.verb, args, 1, 1, "value")) return *e;
      cmd.word = std::string(args[0]);
      return cmd;
    case Verb::poweron:
    case Verb::shutdown:
    case Verb::reset: {
      if (auto e = arity(cmd.verb, args, 1, cmd.verb == Verb::reset ? 2 : 1, "SEID")) return *e;
      if (!valid_seid(args[0]))
        return command_error(ErrorClass::bad_parameter, code_of(cmd.verb),
                             std::string(name_of(cmd.verb)) + " invalid SEID");
      cmd.word = std::string(args[0]);
      if (args.size() == 2) {
        if (iequals(args[1], "WARM"))
          cmd.warm = true;
        else if (!iequals(args[1], "COLD"))
          return command_error(ErrorClass::bad_parameter, CommandCode::reset, "RESET error, expected WARM or COLD");
      }
      return cmd;
    }
    case Verb::apdu: {
      if (args.size() < 2)
        return command_error(ErrorClass::syntax, CommandCode::apdu, "APDU error, too few parameters");
      if (!valid_seid(args[0])) return command_error(ErrorClass::bad_parameter, CommandCode::apdu, "APDU invalid SEID");
      cmd.word = std::string(args[0]);
      auto apdu = parse_hex(args[1]);
      if (!apdu || apdu->size() < 4 || apdu->size() > max_apdu)
        return command_error(ErrorClass::syntax, CommandCode::apdu, "APDU: invalid apdu format");
      cmd.apdu = std::move(*apdu);
      for (std::size_t i = 2; i < args.size(); ++i)
        if (auto e = parse_apdu_option(args[i], cmd.options)) return *e;
      return cmd;
    }
  }
  return protocol_error(ErrorClass::unknown_command, 0, "unknown command");
}

}  // namespace sesame::server::racs
