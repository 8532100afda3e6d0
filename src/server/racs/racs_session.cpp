#include "server/racs/racs_session.h"

#include <spdlog/spdlog.h>

#include "card/card_service.h"
#include "iso7816/apdu.h"
#include "server/apdu_log.h"
#include "server/racs/card_failure.h"
#include "store/store.h"
#include "util/error.h"
#include "util/hex.h"
#include "util/secure_buffer.h"

namespace sesame::server::racs {
namespace {

// Protocol error numbers (class 3) beyond the reference server's 300-302. docs/RACS.md lists them.
constexpr int err_no_begin = 0;
constexpr int err_duplicate_begin = 1;
constexpr int err_line_too_long = 3;
constexpr int err_request_too_large = 4;

constexpr int max_6c_resends = 2;
constexpr int max_fetches = 512;

// "%03zu" of n % 1000, without printf's cost (three of these per response line).
std::string three(std::size_t n) {
  n %= 1000;
  return {static_cast<char>('0' + n / 100), static_cast<char>('0' + n / 10 % 10), static_cast<char>('0' + n % 10)};
}

std::string begin_line(const std::string& name) { return name.empty() ? "BEGIN\r\n" : "BEGIN " + name + "\r\n"; }

Bytes with_le(ByteView header4, std::uint8_t le) {
  Bytes b(header4.begin(), header4.begin() + 4);
  b.push_back(le);
  return b;
}

}  // namespace

RacsSession::RacsSession(SessionEnv& env, SessionId id, std::string user, std::string peer)
    : env_(env), id_(id), user_(std::move(user)), peer_(std::move(peer)), policy_version_(env.policy.version()),
      policy_(env.policy.current()) {}

RacsSession::~RacsSession() { end("session destroyed"); }

std::string RacsSession::unknown_user_response(std::string_view user) {
  return "BEGIN\r\n-600 000 user " + std::string(user.substr(0, 64)) + " is not authorized\r\nEND\r\n";
}

std::string RacsSession::durability_failure_response() const {
  const RacsError e = command_error(ErrorClass::hardware, CommandCode::apdu,
                                    "APDU execution error, the card's changes could not be saved");
  return begin_line(deferred_name_) + '-' + three(static_cast<std::size_t>(e.code())) + ' ' + three(deferred_line_) +
         ' ' + e.text + "\r\nEND\r\n";
}

void RacsSession::audit(const std::string& what) {
  env_.audit.write("session=" + std::to_string(id_) + " user=" + user_ + " " + what);
}

std::string RacsSession::prefix(CommandCode code) const {
  std::string p;
  p.reserve(48);  // room for a short result without growing
  p += '+';
  p += three(static_cast<std::size_t>(code));
  p += ' ';
  p += three(line_index_);
  p += ' ';
  return p;
}

bool RacsSession::visible(const std::string& seid) const {
  return policy_->can_see(user_, seid) && env_.cards.exists(seid);
}

void RacsSession::refresh_policy() {
  const std::uint64_t version = env_.policy.version();  // read first: a replace() racing this is seen next time
  if (version == policy_version_) return;
  policy_version_ = version;
  auto now = env_.policy.current();
  if (now == policy_) return;
  policy_ = std::move(now);
  if (held_.empty()) return;
  for (auto& [seid, held] : held_) held.gate = ApduGate{};
  audit("access tables reloaded: selections on the held cards reset");
}

RacsSession::Output RacsSession::feed(std::string_view bytes) {
  Output out;
  std::size_t pos = 0;
  while (pos < bytes.size() && !closed_) {
    const std::size_t nl = bytes.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? bytes.size() : nl;
    // One more byte than the limit for the CR of a CR LF line end.
    if (pending_.size() + (end - pos) > env_.limits.max_line_length + 1) {
      wipe(pending_);
      send_error(protocol_error(ErrorClass::illegal_command, err_line_too_long,
                                "Line longer than " + std::to_string(env_.limits.max_line_length) + " bytes"),
                 out);
      break;
    }
    if (nl == std::string_view::npos) {
      pending_.append(bytes.substr(pos, end - pos));
      break;
    }
    if (pending_.empty()) {
      // The whole line is in `bytes` (the usual case): no copy. The caller wipes its buffer.
      handle_line(bytes.substr(pos, end - pos), out);
    } else {
      pending_.append(bytes.substr(pos, end - pos));
      SecureString line = pending_;
      wipe(pending_);
      handle_line(line, out);
      wipe(line);  // it may hold an APDU with a PIN
    }
    pos = nl + 1;
  }
  out.close = closed_;
  return out;
}

void RacsSession::send_error(const RacsError& e, Output& out) {
  out.text += begin_line(in_request_ ? name_ : std::string());
  out.text += '-';
  out.text += three(static_cast<std::size_t>(e.code()));
  out.text += ' ';
  out.text += three(line_index_);
  out.text += ' ';
  out.text += e.text;
  out.text += "\r\n";
  out.text += "END\r\n";
  const bool was_in_request = in_request_;
  in_request_ = false;
  results_.clear();
  previous_append_ = false;
  if (e.closes_session) {
    closed_ = true;
    audit("protocol-error=-" + three(static_cast<std::size_t>(e.code())) + " closing");
  } else if (was_in_request) {
    flushing_ = true;  // the rest of the request, up to END, is skipped (as the reference does)
  }
  if (e.cls == ErrorClass::unauthorized) audit("refused=-" + three(static_cast<std::size_t>(e.code())) + " " + e.text);
}

void RacsSession::handle_line(std::string_view line, Output& out) {
  ParsedLine parsed = parse_line(line, env_.limits.max_line_length / 2);
  // The parsed APDU may hold a PIN (VERIFY, CHANGE REFERENCE DATA): zeroized however this returns.
  struct WipeApdu {
    ParsedLine& p;
    ~WipeApdu() {
      if (auto* c = std::get_if<Command>(&p)) secure_zero(c->apdu.data(), c->apdu.size());
    }
  } wipe_apdu{parsed};
  if (std::holds_alternative<std::monostate>(parsed)) return;  // blank lines are ignored anywhere
  if (flushing_ || in_request_) {
    request_bytes_ += line.size() + 1;
    if (request_bytes_ > env_.limits.max_request_bytes || line_index_ + 1 >= env_.limits.max_request_lines) {
      ++line_index_;
      in_request_ = in_request_ || flushing_;
      send_error(protocol_error(ErrorClass::illegal_command, err_request_too_large, "Request too large"), out);
      return;
    }
  }
  const Command* cmd = std::get_if<Command>(&parsed);
  const RacsError* err = std::get_if<RacsError>(&parsed);

  if (flushing_) {
    if (cmd && cmd->verb == Verb::end) {
      flushing_ = false;
      request_bytes_ = 0;
      line_index_ = 0;
    }
    return;
  }
  if (!in_request_) {
    line_index_ = 0;
    if (cmd && cmd->verb == Verb::begin) {
      refresh_policy();
      in_request_ = true;
      name_ = cmd->word;
      request_bytes_ = line.size() + 1;
      results_.assign(1, prefix(CommandCode::begin) + "No error");
      previous_append_ = false;
      return;
    }
    if (err && err->closes_session) return send_error(*err, out);
    std::string shown(line.substr(0, 32));
    while (!shown.empty() && (shown.back() == '\r' || shown.back() == ' ')) shown.pop_back();
    return send_error(protocol_error(ErrorClass::illegal_command, err_no_begin,
                                     "Invalid command line (" + shown + "), waiting for BEGIN"),
                      out);
  }

  ++line_index_;
  if (err) return send_error(*err, out);
  if (cmd->verb == Verb::begin) return send_error(protocol_error(ErrorClass::illegal_command, err_duplicate_begin, "Duplicate BEGIN"), out);
  if (cmd->verb == Verb::end) {
    out.text += begin_line(name_);
    for (const auto& r : results_) out.text += r + "\r\n";
    out.text += "END\r\n";
    in_request_ = false;
    results_.clear();
    line_index_ = 0;
    request_bytes_ = 0;
    return;
  }
  Result r = execute(*cmd);
  if (r.error) return send_error(*r.error, out);
  // Without APPEND on the previous command, this result replaces its result.
  if (!previous_append_ && !results_.empty()) results_.pop_back();
  results_.push_back(std::move(r.line));
  previous_append_ = cmd->append;
}

RacsSession::Result RacsSession::execute(const Command& cmd) {
  switch (cmd.verb) {
    case Verb::get_version:
      return {prefix(CommandCode::version) + std::string(protocol_version), std::nullopt};
    case Verb::set_version:
      if (cmd.word != protocol_version)
        return {{}, command_error(ErrorClass::bad_parameter, CommandCode::version,
                                  "SET-VERSION error, " + cmd.word.substr(0, 16) + " is not supported")};
      return {prefix(CommandCode::version) + "Version " + cmd.word + " is running", std::nullopt};
    case Verb::echo:
      return {prefix(CommandCode::echo) + cmd.word, std::nullopt};
    case Verb::list:
      return list();
    case Verb::poweron:
      return poweron(cmd.word);
    case Verb::shutdown:
      return shutdown(cmd.word);
    case Verb::reset:
      return reset(cmd.word, cmd.warm);
    case Verb::apdu:
      return apdu(cmd);
    case Verb::begin:
    case Verb::end:
      break;
  }
  return {{}, command_error(ErrorClass::system, CommandCode::none, "internal error")};
}

RacsSession::Result RacsSession::list() {
  std::string line = prefix(CommandCode::list);
  bool first = true;
  for (const auto& seid : policy_->visible(user_, env_.cards.list_cards())) {
    line += (first ? "" : " ") + seid;
    first = false;
  }
  return {std::move(line), std::nullopt};
}

RacsSession::Result RacsSession::poweron(const std::string& seid) {
  if (!visible(seid))
    return {{}, command_error(ErrorClass::bad_parameter, CommandCode::power_on, "POWERON invalid SEID (" + seid + ")")};
  switch (env_.locks.acquire(seid, id_)) {
    case CardLocks::Result::in_use:
      return {{}, command_error(ErrorClass::in_use, CommandCode::power_on,
                                "POWERON error, SEID " + seid + " In Use, SHUTDOWN is required")};
    case CardLocks::Result::already_held:
      if (held_.count(seid))
        return {prefix(CommandCode::power_on) + "warning SEID " + seid + " was already powered, POWERON has been ignored",
                std::nullopt};
      break;
    case CardLocks::Result::acquired:
      audit("card=" + seid + " taken");
      break;
  }
  try {
    const Bytes atr = env_.cards.power_on(seid);
    auto& held = held_[seid];
    held.gate.clear();
    held.card = env_.cards.handle(seid);
    audit("card=" + seid + " poweron");
    return {prefix(CommandCode::power_on) + "SEID " + seid + " has been powered on, ATR=" + to_hex(atr), std::nullopt};
  } catch (...) {
    held_.erase(seid);
    env_.locks.release(seid, id_);
    return {{}, failed(CommandCode::power_on, seid)};
  }
}

RacsSession::Result RacsSession::shutdown(const std::string& seid) {
  if (!visible(seid))
    return {{}, command_error(ErrorClass::bad_parameter, CommandCode::shutdown, "SHUTDOWN invalid SEID " + seid)};
  if (held_.count(seid)) {
    try {
      env_.cards.power_off(seid);
      env_.cards.release(seid);  // unloaded: with PostgreSQL its lease goes to whichever node wants it
    } catch (const std::exception& e) {
      spdlog::warn("racs session {}: SHUTDOWN {} failed: {}", id_, seid, e.what());
    }
    held_.erase(seid);
    env_.locks.release(seid, id_);
    audit("card=" + seid + " shutdown released");
  } else if (env_.locks.holder(seid)) {
    // The reference server lets any session power off any card; sesame lets only the holder.
    return {{}, command_error(ErrorClass::in_use, CommandCode::shutdown, "SHUTDOWN error, SEID " + seid + " In Use")};
  }
  return {prefix(CommandCode::shutdown) + "SEID " + seid + " has been powered off", std::nullopt};
}

RacsSession::Result RacsSession::reset(const std::string& seid, bool warm) {
  if (!visible(seid))
    return {{}, command_error(ErrorClass::bad_parameter, CommandCode::reset, "RESET invalid SEID (" + seid + ")")};
  const auto it = held_.find(seid);
  if (it == held_.end()) {
    if (env_.locks.holder(seid))
      return {{}, command_error(ErrorClass::in_use, CommandCode::reset,
                                "RESET error, SEID " + seid + " already In Use, SHUTDOWN is required")};
    return {{}, command_error(ErrorClass::in_use, CommandCode::reset,
                              "RESET error, SEID " + seid + " is powered off, POWERON is required")};
  }
  try {
    const Bytes atr = env_.cards.reset(seid, warm);
    it->second.gate.clear();
    audit("card=" + seid + (warm ? " reset warm" : " reset"));
    return {prefix(CommandCode::reset) + "SEID " + seid + " has been reset" + (warm ? " (warm)" : "") +
                ", ATR=" + to_hex(atr),
            std::nullopt};
  } catch (...) {
    return {{}, failed(CommandCode::reset, seid)};
  }
}

RacsSession::Result RacsSession::apdu(const Command& cmd) {
  const std::string& seid = cmd.word;
  auto it = held_.find(seid);
  // A card this session holds is known to exist; if it was deleted since, the card service answers
  // not_found on transmit, which is the same -4xx. Asking the store on every APDU cost a store
  // lookup (an SQL query on SQLite) and a lock shared by all I/O threads.
  const bool may_see = it == held_.end() ? visible(seid) : policy_->can_see(user_, seid);
  if (!may_see) return {{}, command_error(ErrorClass::bad_parameter, CommandCode::apdu, "APDU invalid SEID")};
  if (it == held_.end()) {
    if (env_.locks.acquire(seid, id_) == CardLocks::Result::in_use)
      return {{}, command_error(ErrorClass::in_use, CommandCode::apdu,
                                "APDU error, SEID " + seid + " already In Use, SHUTDOWN required")};
    audit("card=" + seid + " taken");
    it = held_.emplace(seid, HeldCard{ApduGate{}, env_.cards.handle(seid)}).first;
  }
  ApduGate& gate = it->second.gate;
  const ApduGate::Decision d = gate.check(cmd.apdu, *policy_, user_, seid);
  if (d.kind == ApduGate::Kind::select)
    audit("card=" + seid + " select aid=" + to_hex(d.aid) + " channel=" + std::to_string(d.channel) +
          (d.allowed ? " permitted" : " refused"));
  if (!d.allowed) {
    if (d.kind != ApduGate::Kind::select)
      audit("card=" + seid + " refused " + describe_command(cmd.apdu) + " (" + d.reason + ")");
    return {{}, command_error(ErrorClass::unauthorized, CommandCode::apdu,
                              "APDU error, SEID " + seid + ", " + d.reason)};
  }
  if (cmd.options.fetch) {
    const auto f = gate.check_fetch(*cmd.options.fetch);
    if (!f.allowed) {
      audit("card=" + seid + " refused FETCH " + describe_command(ByteView(cmd.options.fetch->data(), 4)) + " (" +
            f.reason + ")");
      return {{}, command_error(ErrorClass::unauthorized, CommandCode::apdu, "APDU error, FETCH " + f.reason)};
    }
  }
  std::optional<RacsError> error;
  const Bytes response = exchange(it->second.card, cmd.apdu, cmd.options, error);
  if (error) return {{}, error};
  ++apdus_;
  gate.after(cmd.apdu, d, response);
  if (cmd.options.continue_sw) {
    const std::uint16_t sw = get_u16(response, response.size() - 2);
    if (sw != *cmd.options.continue_sw)
      return {{}, command_error(ErrorClass::execution, CommandCode::apdu, "APDU wrong status")};
  }
  return {prefix(CommandCode::apdu) + to_hex(response), std::nullopt};
}

Bytes RacsSession::exchange(card::CardService::Handle& card, ByteView command, const ApduOptions& options,
                            std::optional<RacsError>& error) {
  const std::string& seid = card.seid();
  const auto send = [&](ByteView c) -> Bytes {
    const std::uint64_t before = commits_.begun();
    Bytes r = env_.cards.transmit_deferred(card, c, commits_);
    if (!deferred_marked_ && commits_.begun() != before) {  // the batch's first commit
      deferred_marked_ = true;
      deferred_name_ = name_;
      deferred_line_ = line_index_;
    }
    if (spdlog::should_log(spdlog::level::debug))
      spdlog::debug("racs session {} {}: {} -> {}", id_, seid, describe_command(c), describe_response(r));
    return r;
  };
  try {
    Bytes cmd(command.begin(), command.end());
    Bytes r = send(cmd);
    // 6Cxx: wrong Le; the card says how many bytes it has (ISO/IEC 7816-3 §12.2.2 for T=0).
    for (int i = 0; i < max_6c_resends && (cmd.size() == 4 || cmd.size() == 5) && r.size() == 2 && r[0] == 0x6C &&
                    r[1] != 0x00;
         ++i) {
      cmd = with_le(cmd, r[1]);
      r = send(cmd);
    }
    if (r.size() < 2) {
      error = command_error(ErrorClass::hardware, CommandCode::apdu, "APDU execution error");
      return {};
    }
    if (!options.more_sw1) return r;
    std::array<std::uint8_t, 4> fetch{0x00, 0xC0, 0x00, 0x00};
    if (options.fetch)
      fetch = *options.fetch;
    else
      fetch[0] = iso7816::cla_with_channel(0x00, channel_of(command[0]));
    Bytes all;
    for (int i = 0; r.size() >= 2 && r[r.size() - 2] == *options.more_sw1; ++i) {
      if (i >= max_fetches || all.size() + r.size() > env_.limits.max_response_bytes) {
        error = command_error(ErrorClass::system, CommandCode::apdu, "APDU error, SEID " + seid + " response overflow");
        return {};
      }
      all.insert(all.end(), r.begin(), r.end() - 2);
      r = send(with_le(ByteView(fetch.data(), 4), r[r.size() - 1]));
    }
    if (r.size() < 2) {
      error = command_error(ErrorClass::hardware, CommandCode::apdu, "APDU execution error");
      return {};
    }
    all.insert(all.end(), r.begin(), r.end());
    if (all.size() > env_.limits.max_response_bytes) {
      error = command_error(ErrorClass::system, CommandCode::apdu, "APDU error, SEID " + seid + " response overflow");
      return {};
    }
    return all;
  } catch (...) {
    error = failed(CommandCode::apdu, seid);
  }
  return {};
}

RacsError RacsSession::failed(CommandCode cmd, const std::string& seid) {
  const std::exception_ptr failure = std::current_exception();
  try {
    std::rethrow_exception(failure);
  } catch (const store::CardLeased& e) {
    spdlog::info("racs session {}: card {} is served by node {}", id_, seid, e.node_id());
  } catch (const std::exception& e) {
    spdlog::warn("racs session {}: card {} failed: {}", id_, seid, e.what());
  } catch (...) {
    spdlog::warn("racs session {}: card {} failed", id_, seid);
  }
  return card_failure(cmd, seid, failure);
}

void RacsSession::end(std::string_view reason) {
  if (ended_) return;
  ended_ = true;
  closed_ = true;
  // No card goes to another session while a commit of this one is in flight, and no callback of
  // this session's commits runs after it is gone.
  commits_.wait_quiet();
  std::size_t released = 0;
  for (const auto& [seid, held] : held_) {
    try {
      env_.cards.power_off(seid);
    } catch (const std::exception& e) {
      spdlog::warn("racs session {}: power off {} failed: {}", id_, seid, e.what());
    }
    try {
      env_.cards.release(seid);
    } catch (const std::exception& e) {
      spdlog::warn("racs session {}: releasing {} failed: {}", id_, seid, e.what());
    }
    // Power off first, then give the card back: no other session sees it half powered.
    env_.locks.release(seid, id_);
    ++released;
  }
  held_.clear();
  audit("end reason=\"" + std::string(reason) + "\" apdus=" + std::to_string(apdus_) +
        " cards_released=" + std::to_string(released));
}

}  // namespace sesame::server::racs
