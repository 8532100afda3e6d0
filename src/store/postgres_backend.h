// The PostgreSQL Backend: schema and migrations, a connection pool, one transaction per commit,
// and the card leases that let several nodes share the database. Internal to src/store; callers
// use open_postgres_store() (postgres_store.h). Tests build it directly to reach abandon_leases().
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/backend.h"
#include "store/postgres_store.h"

namespace sesame::store {

class PgConnection;
class PgPool;

class PostgresBackend final : public Backend {
 public:
  // The schema version this build writes; a database with a newer one is refused.
  static constexpr int kSchemaVersion = 1;

  PostgresBackend(const std::string& conninfo, const PostgresOptions& options);
  // Stops the heartbeat and releases every lease still held.
  ~PostgresBackend() override;

  std::vector<std::string> list_cards() override;
  std::optional<Bytes> wrapped_card_key(const std::string& card_id) override;
  void create_card(const std::string& card_id, ByteView wrapped_key,
                   const std::vector<RowWrite>& rows) override;
  bool delete_card(const std::string& card_id) override;
  std::map<std::string, SealedRecord> load_records(const std::string& card_id) override;
  std::optional<SealedRecord> load_record(const std::string& card_id, const std::string& key) override;
  void commit(const CardWrite& write) override;
  std::uint64_t acquire_lease(const std::string& card_id) override;
  void release_lease(const std::string& card_id) noexcept override;

  // Renews every held lease now (the heartbeat does this every lease_ttl / 3).
  void renew_leases();
  // Tests: behave from now on as a killed node would: no more heartbeat, and nothing released on
  // close, so the leases lapse only by expiring.
  void abandon_leases();
  const std::string& node_id() const { return options_.node_id; }

 private:
  void heartbeat_loop();
  [[noreturn]] void fail_leased(PgConnection& c, const std::string& card_id);

  PostgresOptions options_;
  std::unique_ptr<PgPool> pool_;  // keeps libpq-fe.h out of this header

  std::mutex lease_mu_;
  std::condition_variable lease_cv_;
  std::map<std::string, std::uint64_t> held_;  // card -> epoch of our lease, renewed by the heartbeat
  bool stopping_ = false;
  bool abandoned_ = false;
  std::thread heartbeat_;
};

}  // namespace sesame::store
