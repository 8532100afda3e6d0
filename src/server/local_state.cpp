#include "server/local_state.h"

#include <unistd.h>

#include <chrono>
#include <cstring>

#include "applets/builtin.h"
#include "card/applet_registry.h"
#include "card/card_service.h"
#include "server/file_io.h"
#include "store/master_key.h"
#include "store/postgres_store.h"
#include "store/sqlite_store.h"
#include "util/error.h"

namespace sesame::server {

struct LocalState::Parts {
  card::AppletRegistry registry;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<card::CardService> cards;
};

namespace {

// This node's name in the PostgreSQL lease table: the configured one, or host name and state dir,
// so two nodes on one host differ and a restarted node gets its own leases back at once.
std::string node_id_for(const std::filesystem::path& state_dir, const ServerConfig& config) {
  if (!config.store_node_id.empty()) return config.store_node_id;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "localhost");
  std::string id = std::string(host) + ":" + std::filesystem::absolute(state_dir).lexically_normal().string();
  return id.size() <= 200 ? id : id.substr(id.size() - 200);
}

}  // namespace

void LocalState::open_postgres(const std::filesystem::path& state_dir, const ServerConfig& config, bool create) {
  const auto key_path = resolve_in_state_dir(state_dir, config.master_key_path);
  const bool key_exists = std::filesystem::exists(key_path);
  if (!key_exists && !create)
    fail(Errc::not_found, "no sesame state in " + state_dir.string() + " (the master key " + key_path.string() +
                              " does not exist; `sesame card create` or sesamed makes it)");
  if (create) {
    ensure_private_dir(state_dir);
    std::filesystem::create_directories(key_path.parent_path());
  }
  SecureBytes master_key = store::load_or_create_master_key(key_path.string());
  store::PostgresOptions options;
  options.node_id = node_id_for(state_dir, config);
  options.lease_ttl = std::chrono::milliseconds(config.store_lease_ttl_ms);
  parts_->store = store::open_postgres_store(config.store_conninfo, std::move(master_key), options);
  const bool has_cards = !parts_->store->list_cards().empty();
  if (!key_exists && has_cards) {
    parts_->store.reset();
    std::filesystem::remove(key_path);
    fail(Errc::not_found, "the master key " + key_path.string() +
                              " is missing but the PostgreSQL store holds cards; copy the key the other nodes use");
  }
  description_ = "postgres, node " + options.node_id;
  created_ = !has_cards;
}

LocalState::LocalState(const std::filesystem::path& state_dir, const ServerConfig& config, bool create)
    : parts_(std::make_unique<Parts>()) {
  applets::register_builtin_applets(parts_->registry);
  if (config.store_backend == "postgres") {
    open_postgres(state_dir, config, create);
    parts_->cards = std::make_unique<card::CardService>(*parts_->store, parts_->registry);
    return;
  }
  db_path_ = resolve_in_state_dir(state_dir, config.store_path);
  const auto key_path = resolve_in_state_dir(state_dir, config.master_key_path);
  const bool exists = std::filesystem::exists(db_path_);
  if (!exists && !create)
    fail(Errc::not_found, "no sesame state in " + state_dir.string() + " (" + db_path_.string() +
                              " does not exist; `sesame card create` or sesamed makes it)");
  if (create) {
    ensure_private_dir(state_dir);
    // Custom store paths may point elsewhere: create their folders but leave their modes alone.
    std::filesystem::create_directories(db_path_.parent_path());
    std::filesystem::create_directories(key_path.parent_path());
  }
  // A database without its key is unreadable; refuse to make a new key next to an old database.
  if (exists && !std::filesystem::exists(key_path))
    fail(Errc::not_found, "the master key " + key_path.string() + " is missing but the database " +
                              db_path_.string() + " exists; restore the key from backup");
  SecureBytes master_key = store::load_or_create_master_key(key_path.string());
  parts_->store = store::open_sqlite_store(db_path_.string(), std::move(master_key));
  parts_->cards = std::make_unique<card::CardService>(*parts_->store, parts_->registry);
  description_ = db_path_.string() + " (sqlite)";
  created_ = !exists;
}

LocalState::~LocalState() {
  // The service holds references into the store and registry: it goes first.
  if (parts_) parts_->cards.reset();
}

card::CardService& LocalState::cards() {
  return *parts_->cards;
}

}  // namespace sesame::server
