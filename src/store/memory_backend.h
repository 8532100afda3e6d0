// A Backend that keeps sealed rows in process memory: for tests and ephemeral cards. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "store/backend.h"
#include "store/store_faults.h"

namespace sesame::store {

class MemoryBackend final : public Backend {
 public:
  explicit MemoryBackend(std::shared_ptr<StoreFaults> faults = nullptr) : faults_(std::move(faults)) {}

  std::vector<std::string> list_cards() override;
  std::optional<Bytes> wrapped_card_key(const std::string& card_id) override;
  void create_card(const std::string& card_id, ByteView wrapped_key, const std::vector<RowWrite>& rows) override;
  bool delete_card(const std::string& card_id) override;
  std::map<std::string, SealedRecord> load_records(const std::string& card_id) override;
  std::optional<SealedRecord> load_record(const std::string& card_id, const std::string& key) override;
  void commit(const CardWrite& write) override;

 private:
  struct Card {
    Bytes wrapped_key;
    std::map<std::string, SealedRecord> rows;
  };
  std::shared_ptr<StoreFaults> faults_;
  std::mutex mu_;
  std::map<std::string, Card> cards_;
};

}  // namespace sesame::store
