// The card's in-memory image of its store records plus the writes buffered by the command in
// progress. The runtime commits the buffer as one CardStore::commit when a command ends normally
// and discards it otherwise; put_now() bypasses the buffer for anti-tearing counters.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"
#include "util/error.h"
#include "util/secure_buffer.h"

namespace sesame::card {

// A failure of the card's store (Errc::io: a write or read did not happen; Errc::integrity: the
// stored records fail verification). Only RecordJournal throws it, wrapping what the store threw,
// so the runtime can tell a memory failure (6581, the card reloads) from an applet's own error
// that happens to carry the same Errc (6F00, nothing reloads).
class StoreFailure final : public Error {
 public:
  explicit StoreFailure(const Error& cause) : Error(cause.code(), cause.what()) {}
};

class RecordJournal {
 public:
  explicit RecordJournal(store::CardStore& store) : store_(store) {}

  // Replaces the image with the store's records and drops any buffered write. Store errors with
  // Errc::io or Errc::integrity are rethrown as StoreFailure; others (store::CardLeased) as they are.
  void load();

  // Reads see buffered writes. The pointer is valid until the next write or load.
  const SecureBytes* get(const std::string& key) const;
  // The same for the key prefix + key, without building the key on the heap.
  const SecureBytes* get(std::string_view prefix, std::string_view key) const;
  void put(const std::string& key, SecureBytes value);
  void erase(const std::string& key);
  // Commits this one record durably before returning (and drops a buffered write of the same key,
  // also from every savepoint). Throws StoreFailure when the store fails; the image is unchanged.
  void put_now(const std::string& key, SecureBytes value);

  // Every key (committed or buffered, not buffered-erased) starting with `prefix`, sorted.
  std::vector<std::string> keys(const std::string& prefix) const;

  // Savepoints inside one command: rollback(sp) drops what was buffered since savepoint() returned
  // sp (records written with put_now since then stay as written), release(sp) keeps it. Both also
  // end every later savepoint. commit(), discard() and load() end them all.
  std::size_t savepoint();
  void rollback(std::size_t sp);
  void release(std::size_t sp);

  // One atomic store commit of the buffer. Throws StoreFailure when the store fails (other store
  // errors, e.g. an invalid key, as they are); the buffer is then kept for the caller to discard.
  // With an async sink set, the commit is submitted (CardStore::commit_async) with the callback the
  // sink returns, and the image moves on at once: the caller withholds the command's response
  // until that callback reports the commit durable, and reloads the card if it reports a failure.
  void commit();
  using AsyncSink = std::function<store::CardStore::CommitDone()>;
  void set_async(AsyncSink sink) { async_ = std::move(sink); }
  void discard();

  // True once if a store call failed since the last load(), discard() or take_failure(), even if
  // the StoreFailure was caught on the way (an applet may catch everything).
  bool take_failure();

 private:
  using Buffer = std::map<std::string, std::optional<SecureBytes>, std::less<>>;
  store::CardStore& store_;
  std::map<std::string, SecureBytes, std::less<>> records_;
  Buffer pending_;
  std::vector<Buffer> savepoints_;
  bool failed_ = false;
  AsyncSink async_;
  mutable std::string scratch_;  // get(prefix, key) composes keys here: one card runs one command at a time
};

}  // namespace sesame::card
