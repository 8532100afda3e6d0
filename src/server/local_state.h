// A state dir opened for use: master key, store and CardService with the built-in applets.
// sesamed and the sesame CLI both open their state through this, so they agree on the layout:
//   <state>/master.key   32-byte sealing key, mode 0600  (store.master_key)
//   <state>/sesame.db    SQLite store, mode 0600         (store.path; not with store.backend = "postgres")
//   <state>/pki/         development PKI (dev_pki.h)     (pki.dir)
// With store.backend = "postgres" the cards live in PostgreSQL (store.conninfo), shared by every
// node; each node's master key file must hold the same key.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "server/config.h"

namespace sesame::card {
class CardService;
}

namespace sesame::server {

class LocalState {
 public:
  // create == false: Error(Errc::not_found) unless the database (postgres: the master key)
  // already exists.
  // create == true: makes the state dir (mode 0700), the master key and the database as needed.
  // postgres: a new master key next to a database that already holds cards is refused
  // (Error(Errc::not_found)), since every card would then fail to open.
  LocalState(const std::filesystem::path& state_dir, const ServerConfig& config, bool create);
  ~LocalState();
  LocalState(const LocalState&) = delete;
  LocalState& operator=(const LocalState&) = delete;

  card::CardService& cards();
  // True when this open created the database (a first start; postgres: the store had no cards).
  bool created() const { return created_; }
  const std::filesystem::path& database_path() const { return db_path_; }
  // For the log: "<path> (sqlite)" or "postgres, node <id>" (never the conninfo: it may hold a
  // password).
  const std::string& store_description() const { return description_; }

 private:
  struct Parts;
  void open_postgres(const std::filesystem::path& state_dir, const ServerConfig& config, bool create);
  std::unique_ptr<Parts> parts_;
  std::filesystem::path db_path_;
  std::string description_;
  bool created_ = false;
};

}  // namespace sesame::server
