// The SQLite Backend: schema and migrations, a pool of read connections, and writes through a
// GroupCommitter. Internal to src/store; callers use open_sqlite_store() (sqlite_store.h).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/backend.h"
#include "store/group_committer.h"
#include "store/sqlite_store.h"

namespace sesame::store {

class SqliteBackend final : public Backend {
 public:
  // The schema version this build writes; a database with a newer one is refused.
  static constexpr int kSchemaVersion = 1;

  SqliteBackend(const std::string& path, const SqliteOptions& options);
  ~SqliteBackend() override;

  std::vector<std::string> list_cards() override;
  std::optional<Bytes> wrapped_card_key(const std::string& card_id) override;
  void create_card(const std::string& card_id, ByteView wrapped_key, const std::vector<RowWrite>& rows) override;
  bool delete_card(const std::string& card_id) override;
  std::map<std::string, SealedRecord> load_records(const std::string& card_id) override;
  std::optional<SealedRecord> load_record(const std::string& card_id, const std::string& key) override;
  void commit(const CardWrite& write) override;
  void commit_async(CardWrite write, CommitDone done) override;

 private:
  class ReadLease;
  ReadLease read();

  std::string path_;
  SqliteOptions options_;
  std::unique_ptr<GroupCommitter> writer_;

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_;
  int open_readers_ = 0;
};

}  // namespace sesame::store
