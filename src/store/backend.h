// What a storage backend (memory, SQLite, PostgreSQL) must do: keep sealed rows and apply one
// card's writes atomically. Backends see only sealed bytes; sealing lives in SealedStore, so a new
// backend writes no cryptography.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/bytes.h"

namespace sesame::store {

// One stored record: the version bound into its associated data and iv || ciphertext || tag.
struct SealedRecord {
  std::uint64_t version = 0;
  Bytes blob;
};

// Writes one row; record == nullopt deletes it (deleting an absent row is not an error).
struct RowWrite {
  std::string key;
  std::optional<SealedRecord> record;
};

// One card's atomic write. When expected_manifest_version is set, the write is refused with
// Error(Errc::state) unless the row named manifest_key currently exists with that version: a
// compare-and-swap that stops two writers (or a stale CardStore) from losing each other's changes.
// lease_epoch is the writer's lease (acquire_lease); a backend with leases refuses the write with
// Error(Errc::state) unless this node still holds the card's lease with exactly that epoch (fencing).
struct CardWrite {
  std::string card_id;
  std::string manifest_key;
  std::optional<std::uint64_t> expected_manifest_version;
  std::vector<RowWrite> rows;
  std::uint64_t lease_epoch = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual std::vector<std::string> list_cards() = 0;
  // The wrapped per-card key, or nullopt when the card does not exist.
  virtual std::optional<Bytes> wrapped_card_key(const std::string& card_id) = 0;
  // Creates the card with its wrapped key and first rows in one atomic write. Throws
  // Error(Errc::state) if the card exists.
  virtual void create_card(const std::string& card_id, ByteView wrapped_key, const std::vector<RowWrite>& rows) = 0;
  // Removes the card's rows and wrapped key atomically. Returns false if there was no such card.
  virtual bool delete_card(const std::string& card_id) = 0;
  // Every row of the card, read in one consistent snapshot.
  virtual std::map<std::string, SealedRecord> load_records(const std::string& card_id) = 0;
  virtual std::optional<SealedRecord> load_record(const std::string& card_id, const std::string& key) = 0;
  // Applies every row of the write or none. Throws Error(Errc::io) on storage failure,
  // Error(Errc::state) on a failed compare-and-swap, Error(Errc::not_found) if the card is gone.
  virtual void commit(const CardWrite& write) = 0;
  // The same without waiting for durability: `done` gets nullptr once every row is durable, or
  // the exception commit() would have thrown (nothing applied). Commits of one card are applied
  // in the order they were made, commit() and commit_async() alike. `done` may run on another
  // thread (the store's writer) or before this returns; it must not throw. A failure found before
  // anything was queued is thrown here and `done` dropped uncalled. The default commits
  // synchronously (so its failures are thrown) and then calls `done`.
  using CommitDone = std::function<void(std::exception_ptr)>;
  virtual void commit_async(CardWrite write, CommitDone done) {
    commit(write);
    done(nullptr);
  }

  // Leases: with several nodes on one database (PostgreSQL) a card is written by one node at a
  // time. A single-process backend (memory, SQLite) keeps these defaults: every card is always
  // ours, epoch 0, nothing to check.
  //
  // Takes this node's lease on the card, or extends it if already ours, and keeps renewing it
  // until release_lease. Returns the lease's epoch, which changes whenever the lease passes to
  // another node. Throws CardLeased (store.h, Errc::state) while another node holds a live lease,
  // Error(Errc::not_found) when the card does not exist, Error(Errc::io) on storage failure.
  virtual std::uint64_t acquire_lease(const std::string& /*card_id*/) { return 0; }
  // Stops renewing the lease and lets it lapse at once, so another node may take the card.
  virtual void release_lease(const std::string& /*card_id*/) noexcept {}
};

}  // namespace sesame::store
