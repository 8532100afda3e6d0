// Persistent, sealed storage for cards. The card runtime sees only this header.
//
// Every record is sealed with AES-256-GCM under a per-card key; the per-card key is wrapped by
// the store's master key. The associated data names the card, the record and its version, so a
// record copied to another card, renamed, or rolled back to an older version is refused with
// Error(Errc::integrity). Backends (SQLite, PostgreSQL) hold only sealed bytes.
#pragma once

#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/bytes.h"
#include "util/error.h"
#include "util/secure_buffer.h"

namespace sesame::store {

// Thrown (as Error(Errc::state, "card <id> is leased by node <node>")) when a card is open on
// another node of a shared store. The runtime passes it through unchanged, so a transport can tell
// "served elsewhere" (RACS: -708 In Use) from other state errors by catching this type first.
class CardLeased final : public Error {
 public:
  CardLeased(const std::string& card_id, std::string node_id)
      : Error(Errc::state, "card " + card_id + " is leased by node " + node_id), node_id_(std::move(node_id)) {}
  // The node holding the lease.
  const std::string& node_id() const noexcept { return node_id_; }

 private:
  std::string node_id_;
};

// One change of a commit. value == nullopt erases the record.
struct Change {
  std::string key;
  std::optional<SecureBytes> value;
};

// One card's records. Keys are short strings chosen by the card runtime ("card/state",
// "A000000151000000/pin", ...). Methods are called by one thread at a time per card.
class CardStore {
 public:
  virtual ~CardStore() = default;

  // Every record of the card, unsealed and verified. Throws Error(Errc::integrity) if any record
  // fails authentication, is missing, was rolled back, or belongs elsewhere. On a store shared by
  // several nodes it first retakes the card's lease if it was lost, and throws CardLeased
  // (Errc::state) while another node holds it.
  virtual std::map<std::string, SecureBytes> load() = 0;

  // Applies all changes atomically and durably (synchronous=FULL): afterwards either every change
  // is on disk or none is. Throws Error(Errc::io) on failure; nothing is then applied. On a store
  // shared by several nodes a commit also fails (io) once this node's lease on the card was taken
  // over by another node (fencing).
  virtual void commit(const std::vector<Change>& changes) = 0;

  // commit() without waiting for durability: `done` gets nullptr once every change is durable, or
  // the Error(Errc::io) commit() would have thrown (nothing of these changes applied). Commits are
  // applied in the order they were made (commit() and commit_async() alike), so the caller may
  // make the next commit before `done` ran; once one failed through `done`, every later one fails
  // too until the card is loaded again (load()). `done` may run on the store's writer thread or before this
  // returns, and must not throw. A failure found before anything was queued (an invalid key, a
  // store that commits synchronously and failed) is thrown here, as commit() throws it, and `done`
  // is then dropped without being called. The default is commit() followed by `done`.
  using CommitDone = std::function<void(std::exception_ptr)>;
  virtual void commit_async(const std::vector<Change>& changes, CommitDone done) {
    commit(changes);
    done(nullptr);
  }
};

class Store {
 public:
  virtual ~Store() = default;

  virtual std::vector<std::string> list_cards() = 0;
  virtual bool card_exists(const std::string& card_id) = 0;
  // Creates the card with a fresh per-card key. Throws Error(Errc::state) if it exists.
  virtual void create_card(const std::string& card_id) = 0;
  // Removes every record and destroys the wrapped card key (secure erasure: without the key the
  // sealed records could not be read even from a backup of the database). On a shared store,
  // CardLeased (Errc::state) while another node holds the card's lease.
  virtual void delete_card(const std::string& card_id) = 0;
  // Throws Error(Errc::not_found) when the card does not exist. On a store shared by several nodes
  // (PostgreSQL) opening takes this node's lease on the card, held until the last CardStore of the
  // card closes; while another node holds a live lease it throws CardLeased (Errc::state).
  virtual std::unique_ptr<CardStore> open_card(const std::string& card_id) = 0;
};

}  // namespace sesame::store
