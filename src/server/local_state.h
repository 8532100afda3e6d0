// A state dir opened for use: master key, store and CardService with the built-in applets.
// sesamed and the sesame CLI both open their state through this, so they agree on the layout:
//   <state>/master.key   32-byte sealing key, mode 0600  (store.master_key)
//   <state>/sesame.db    SQLite store, mode 0600         (store.path)
//   <state>/pki/         development PKI (dev_pki.h)     (pki.dir)
#pragma once

#include <filesystem>
#include <memory>

#include "server/config.h"

namespace sesame::card {
class CardService;
}

namespace sesame::server {

class LocalState {
 public:
  // create == false: Error(Errc::not_found) unless the database already exists.
  // create == true: makes the state dir (mode 0700), the master key and the database as needed.
  LocalState(const std::filesystem::path& state_dir, const ServerConfig& config, bool create);
  ~LocalState();
  LocalState(const LocalState&) = delete;
  LocalState& operator=(const LocalState&) = delete;

  card::CardService& cards();
  // True when this open created the database (a first start).
  bool created() const { return created_; }
  const std::filesystem::path& database_path() const { return db_path_; }

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
  std::filesystem::path db_path_;
  bool created_ = false;
};

}  // namespace sesame::server
