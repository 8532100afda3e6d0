// One RACS session (one TLS connection, one authenticated user): the BEGIN/END framing, APPEND,
// error responses, the commands, card locking and the APDU firewall. No sockets: the listener
// feeds it the bytes it reads and sends what it returns, so tests and the fuzzer drive it directly.
//
// Not thread-safe: the listener calls one session from its connection's one thread. feed() runs the
// card work inline; an APDU's durable commit is only submitted (CardService::transmit_deferred),
// and the listener sends feed()'s output once when_durable() reports the commits done, so an I/O
// thread never waits for an fsync. (An anti-tearing counter, e.g. a PIN try counter, is still made
// durable before the check it guards, on this thread.)
// The caller wipes the bytes it fed: a complete line is parsed in place, not copied.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "card/card_service.h"
#include "card/commit_waiter.h"
#include "server/card_locks.h"
#include "server/racs/access_policy.h"
#include "server/racs/apdu_gate.h"
#include "server/racs/racs_audit.h"
#include "server/racs/racs_config.h"
#include "server/racs/racs_request.h"
#include "util/secure_buffer.h"


namespace sesame::server::racs {

// A session's holder id in the card locks it shares with the other transports.
using SessionId = HolderId;
using server::CardLocks;

// What all sessions of one listener share. `locks` are shared with the vpcd slots too.
struct SessionEnv {
  card::CardService& cards;
  const PolicySource& policy;
  CardLocks& locks;
  AuditLog& audit;
  RacsLimits limits;
};

// The protocol version sesame speaks (GET-VERSION; SET-VERSION accepts only this).
inline constexpr std::string_view protocol_version = "0.3";

class RacsSession {
 public:
  struct Output {
    std::string text;    // to send (may be empty)
    bool close = false;  // close the connection after sending `text`
  };

  // `user` is the CN of the verified client certificate; `peer` names the connection in logs.
  RacsSession(SessionEnv& env, SessionId id, std::string user, std::string peer);
  ~RacsSession();
  RacsSession(const RacsSession&) = delete;
  RacsSession& operator=(const RacsSession&) = delete;

  // Bytes as they arrive, in any pieces. Returns every response completed by them. Every line is
  // zeroized once handled; the caller zeroizes `bytes`.
  Output feed(std::string_view bytes);
  // Runs `f(ok)` once every durable commit made by the commands fed so far is done: at once, on
  // this thread, when there is none (memory store, read-only commands); otherwise on the store's
  // writer thread (post the work back). `ok` false: a commit failed, the card reloads its durable
  // state, and the responses fed so far must not be sent: send durability_failure_response().
  void when_durable(std::function<void(bool ok)> f) {
    deferred_marked_ = false;  // the next batch notes its own first commit
    commits_.when_done(std::move(f));
  }
  // -806 for the request whose APDU's changes were not saved; the listener then closes the session.
  std::string durability_failure_response() const;

  // The connection is over (closed, timed out, server stopping): powers off and gives back every
  // card this session holds. Idempotent; the destructor calls it.
  void end(std::string_view reason);

  // For a CN the policy does not know: the one response sent before closing.
  static std::string unknown_user_response(std::string_view user);

  SessionId id() const { return id_; }
  const std::string& user() const { return user_; }
  std::size_t cards_held() const { return held_.size(); }

 private:
  struct Result {
    std::string line;  // "+NNN MMM text" without the line end, when ok
    std::optional<RacsError> error;
  };

  void handle_line(std::string_view line, Output& out);
  void send_error(const RacsError& e, Output& out);
  Result execute(const Command& cmd);
  Result list();
  Result poweron(const std::string& seid);
  Result shutdown(const std::string& seid);
  Result reset(const std::string& seid, bool warm);
  Result apdu(const Command& cmd);
  // Sends `command` with the 6Cxx re-send and MORE/FETCH chaining; the whole response.
  Bytes exchange(card::CardService::Handle& card, ByteView command, const ApduOptions& options,
                 std::optional<RacsError>& error);
  // In a catch block: logs the CardService failure and maps it (card_failure.h).
  RacsError failed(CommandCode cmd, const std::string& seid);
  bool visible(const std::string& seid) const;
  // At BEGIN: the current policy; if it changed since the last request, every card's firewall
  // starts over (no applet selected) under the new tables.
  void refresh_policy();
  std::string prefix(CommandCode code) const;
  void audit(const std::string& what);

  SessionEnv& env_;
  SessionId id_;
  std::string user_, peer_;
  struct HeldCard {
    ApduGate gate;                   // this session's APDU firewall on the card
    card::CardService::Handle card;  // transmits without the card map's lookup
  };
  std::map<std::string, HeldCard> held_;  // the cards this session holds
  std::uint64_t policy_version_;                 // env_.policy.version() when policy_ was taken
  std::shared_ptr<const AccessPolicy> policy_;  // the snapshot taken at the last BEGIN

  // Framing.
  SecureString pending_;  // bytes of an unfinished line (may hold an APDU with a PIN)
  bool closed_ = false;
  bool ended_ = false;
  bool in_request_ = false;
  bool flushing_ = false;  // after an error: skip lines up to END
  std::string name_;
  std::size_t line_index_ = 0;
  std::size_t request_bytes_ = 0;
  std::vector<std::string> results_;
  bool previous_append_ = false;
  std::size_t apdus_ = 0;
  card::CommitWaiter commits_;  // the commits of the APDUs fed since the last when_durable
  // Where the first APDU with a commit in flight was (for durability_failure_response).
  std::string deferred_name_;
  std::size_t deferred_line_ = 0;
  bool deferred_marked_ = false;
};

}  // namespace sesame::server::racs
