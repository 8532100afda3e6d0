// The card's in-memory image of its store records plus the writes buffered by the command in
// progress. The runtime commits the buffer as one CardStore::commit when a command ends normally
// and discards it otherwise; put_now() bypasses the buffer for anti-tearing counters.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"
#include "util/secure_buffer.h"

namespace sesame::card {

class RecordJournal {
 public:
  explicit RecordJournal(store::CardStore& store) : store_(store) {}

  // Replaces the image with the store's records and drops any buffered write.
  void load();

  // Reads see buffered writes.
  const SecureBytes* get(const std::string& key) const;
  void put(const std::string& key, SecureBytes value);
  void erase(const std::string& key);
  // Commits this one record durably before returning (and drops a buffered write of the same key).
  // Throws whatever the store throws; the image is then unchanged.
  void put_now(const std::string& key, SecureBytes value);

  // Every key (committed or buffered, not buffered-erased) starting with `prefix`, sorted.
  std::vector<std::string> keys(const std::string& prefix) const;

  bool dirty() const { return !pending_.empty(); }
  // One atomic store commit of the buffer. On a throw the buffer is kept for the caller to discard.
  void commit();
  void discard() { pending_.clear(); }

 private:
  store::CardStore& store_;
  std::map<std::string, SecureBytes> records_;
  std::map<std::string, std::optional<SecureBytes>> pending_;
};

}  // namespace sesame::card
