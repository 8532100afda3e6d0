// An applet's persistent records. Keys are namespaced by the runtime (instance AID), so an applet
// can never reach another applet's records. Writes made while a command is processed commit
// together when it ends normally, or not at all (see docs/CARD-RUNTIME.md, "Transactions").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::card {

class RecordJournal;

class Persistent {
 public:
  // `prefix` is prepended to every key ("<instance AID hex>/"). It is not copied: the runtime keeps
  // it with the applet instance, which outlives every command (and so every Persistent).
  Persistent(RecordJournal& journal, std::string_view prefix) : journal_(&journal), prefix_(prefix) {}

  std::optional<SecureBytes> get(std::string_view key) const;
  // The record without a copy, or nullptr; valid until the next write to this card's records.
  const SecureBytes* view(std::string_view key) const;
  bool contains(std::string_view key) const;
  // Buffered until the command ends; reads see the new value at once.
  void put(std::string_view key, SecureBytes value);
  void put(std::string_view key, ByteView value) { put(key, SecureBytes(value)); }
  void erase(std::string_view key);
  // Durable before it returns, independent of the command's outcome: for anti-tearing counters
  // (PIN try counter, ATC) that must be written BEFORE the operation they guard.
  void put_now(std::string_view key, SecureBytes value);

  // Keys (without the namespace prefix) that start with `sub_prefix`.
  std::vector<std::string> keys(std::string_view sub_prefix = {}) const;
  void erase_all();

 private:
  std::string full(std::string_view key) const;
  RecordJournal* journal_;
  std::string_view prefix_;
};

}  // namespace sesame::card
