#include "server/local_state.h"

#include "applets/builtin.h"
#include "card/applet_registry.h"
#include "card/card_service.h"
#include "server/file_io.h"
#include "store/master_key.h"
#include "store/sqlite_store.h"
#include "util/error.h"

namespace sesame::server {

struct LocalState::Parts {
  card::AppletRegistry registry;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<card::CardService> cards;
};

LocalState::LocalState(const std::filesystem::path& state_dir, const ServerConfig& config, bool create)
    : parts_(std::make_unique<Parts>()) {
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
  applets::register_builtin_applets(parts_->registry);
  parts_->store = store::open_sqlite_store(db_path_.string(), std::move(master_key));
  parts_->cards = std::make_unique<card::CardService>(*parts_->store, parts_->registry);
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
