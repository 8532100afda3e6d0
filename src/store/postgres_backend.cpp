#include "store/postgres_backend.h"

#include <iterator>
#include <vector>

#include "store/pg_pool.h"
#include "store/sealed_store.h"
#include "store/store.h"
#include "util/error.h"

namespace sesame::store {
namespace {

// Migration i takes the schema from version i to i + 1. Append only; never edit a shipped step.
// The rows are the SQLite backend's; card_leases and its epoch sequence are what several nodes add.
constexpr const char* kMigrations[] = {
    // 0 -> 1
    "CREATE TABLE cards (card_id text PRIMARY KEY, wrapped_key bytea NOT NULL);"
    "CREATE TABLE records (card_id text NOT NULL, key bytea NOT NULL, version bigint NOT NULL,"
    " blob bytea NOT NULL, PRIMARY KEY (card_id, key));"
    "CREATE TABLE card_leases (card_id text PRIMARY KEY, node_id text NOT NULL, epoch bigint NOT NULL,"
    " expires_at timestamptz NOT NULL);"
    // One sequence for every card: an epoch is never handed out twice, even after a card's lease
    // row was deleted with the card.
    "CREATE SEQUENCE card_lease_epoch;",
};
static_assert(std::size(kMigrations) == PostgresBackend::kSchemaVersion);

// Serialises schema creation between nodes starting at once (an arbitrary constant: "sesa").
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(1936024417)";

void migrate(PgConnection& c) {
  c.transaction([&] {
    c.exec(kMigrationLock);
    c.exec("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)");
    PgResult r = c.run("SELECT version::bigint FROM schema_version");
    const bool has_row = r.rows() > 0;
    const std::int64_t version = has_row ? r.int64(0, 0) : 0;
    if (version > PostgresBackend::kSchemaVersion || version < 0)
      fail(Errc::state, "store: database schema version " + std::to_string(version) +
                            " is newer than this build understands (" +
                            std::to_string(PostgresBackend::kSchemaVersion) + ")");
    for (auto v = version; v < PostgresBackend::kSchemaVersion; ++v) c.exec(kMigrations[v]);
    const std::string set =
        has_row ? "UPDATE schema_version SET version = " : "INSERT INTO schema_version VALUES (";
    const std::string sql = set + std::to_string(PostgresBackend::kSchemaVersion) + (has_row ? "" : ")");
    c.exec(sql.c_str());
  });
}

void check_node_id(const std::string& node_id) {
  bool ok = !node_id.empty() && node_id.size() <= 200;
  for (char ch : node_id) {
    auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7f) ok = false;
  }
  if (!ok) fail(Errc::invalid_argument, "store: a node id is 1-200 printable characters");
}

// A PostgreSQL array literal of strings: {"a","b\"c"}.
std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char ch : items[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

std::string int_array(const std::vector<std::uint64_t>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + std::to_string(items[i]);
  return out + "}";
}

std::string key_of(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

void write_row(PgConnection& c, const std::string& card_id, const RowWrite& w) {
  if (w.record) {
    c.run(
        "INSERT INTO records (card_id, key, version, blob) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (card_id, key) DO UPDATE SET version = EXCLUDED.version, blob = EXCLUDED.blob",
        PgParams()
            .text(card_id)
            .bytes(as_bytes(w.key))
            .int64(static_cast<std::int64_t>(w.record->version))
            .bytes(w.record->blob));
  } else {
    c.run("DELETE FROM records WHERE card_id = $1 AND key = $2",
          PgParams().text(card_id).bytes(as_bytes(w.key)));
  }
}

// Takes the lease if it is free, lapsed or already this node's. The epoch stays while the lease
// stays with this node and takes a fresh sequence value whenever it passes to another node.
constexpr const char* kAcquireLease =
    "INSERT INTO card_leases AS l (card_id, node_id, epoch, expires_at)"
    " VALUES ($1, $2, nextval('card_lease_epoch'), clock_timestamp() + $3::bigint * interval '1 millisecond')"
    " ON CONFLICT (card_id) DO UPDATE SET"
    "  epoch = CASE WHEN l.node_id = EXCLUDED.node_id THEN l.epoch ELSE EXCLUDED.epoch END,"
    "  node_id = EXCLUDED.node_id, expires_at = EXCLUDED.expires_at"
    " WHERE l.node_id = EXCLUDED.node_id OR l.expires_at <= clock_timestamp()"
    " RETURNING epoch";

// The fence of every commit: the row lock it takes also orders the commit against a concurrent
// takeover (whichever locks the lease row first wins; the other re-reads it and fails).
constexpr const char* kFenceLease =
    "UPDATE card_leases SET expires_at = clock_timestamp() + $4::bigint * interval '1 millisecond'"
    " WHERE card_id = $1 AND node_id = $2 AND epoch = $3";

}  // namespace

PostgresBackend::PostgresBackend(const std::string& conninfo, const PostgresOptions& options)
    : options_(options),
      pool_(std::make_unique<PgPool>(conninfo, options.connections, options.statement_timeout_ms)) {
  check_node_id(options_.node_id);
  if (options_.lease_ttl < std::chrono::milliseconds(100))
    fail(Errc::invalid_argument, "store: the lease ttl must be at least 100 ms");
  {
    auto c = pool_->get();
    migrate(*c);
  }
  heartbeat_ = std::thread([this] { heartbeat_loop(); });
}

PostgresBackend::~PostgresBackend() {
  {
    std::lock_guard lock(lease_mu_);
    stopping_ = true;
  }
  lease_cv_.notify_all();
  heartbeat_.join();
  std::map<std::string, std::uint64_t> held;
  {
    std::lock_guard lock(lease_mu_);
    if (abandoned_) return;
    held.swap(held_);
  }
  for (const auto& [card_id, epoch] : held) {
    try {
      auto c = pool_->get();
      c->run(
          "UPDATE card_leases SET expires_at = clock_timestamp() WHERE card_id = $1 AND node_id = $2 AND "
          "epoch = $3",
          PgParams().text(card_id).text(options_.node_id).int64(static_cast<std::int64_t>(epoch)));
    } catch (const Error&) {
      // Unreachable database: the lease lapses by itself after lease_ttl.
    }
  }
}

std::vector<std::string> PostgresBackend::list_cards() {
  auto c = pool_->get();
  // Byte order, as in SQLite, whatever the database's collation.
  PgResult r = c->run("SELECT card_id FROM cards ORDER BY card_id COLLATE \"C\"");
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
  return out;
}

std::optional<Bytes> PostgresBackend::wrapped_card_key(const std::string& card_id) {
  auto c = pool_->get();
  PgResult r = c->run("SELECT wrapped_key FROM cards WHERE card_id = $1", PgParams().text(card_id));
  if (r.rows() == 0) return std::nullopt;
  return r.bytes(0, 0);
}

std::map<std::string, SealedRecord> PostgresBackend::load_records(const std::string& card_id) {
  auto c = pool_->get();
  // One statement reads one snapshot.
  PgResult r = c->run("SELECT key, version, blob FROM records WHERE card_id = $1", PgParams().text(card_id));
  std::map<std::string, SealedRecord> out;
  for (int i = 0; i < r.rows(); ++i)
    out.emplace(key_of(r.bytes(i, 0)),
                SealedRecord{static_cast<std::uint64_t>(r.int64(i, 1)), r.bytes(i, 2)});
  return out;
}

std::optional<SealedRecord> PostgresBackend::load_record(const std::string& card_id, const std::string& key) {
  auto c = pool_->get();
  PgResult r = c->run("SELECT version, blob FROM records WHERE card_id = $1 AND key = $2",
                      PgParams().text(card_id).bytes(as_bytes(key)));
  if (r.rows() == 0) return std::nullopt;
  return SealedRecord{static_cast<std::uint64_t>(r.int64(0, 0)), r.bytes(0, 1)};
}

void PostgresBackend::create_card(const std::string& card_id, ByteView wrapped_key,
                                  const std::vector<RowWrite>& rows) {
  auto c = pool_->get();
  c->transaction([&] {
    PgResult r =
        c->run("INSERT INTO cards (card_id, wrapped_key) VALUES ($1, $2) ON CONFLICT (card_id) DO NOTHING",
               PgParams().text(card_id).bytes(wrapped_key));
    if (r.affected() == 0) fail(Errc::state, "store: card '" + card_id + "' already exists");
    // Leftovers of an earlier card with this id (rows, a lease an open CardStore still renews)
    // must not carry over to the new one.
    c->run("DELETE FROM records WHERE card_id = $1", PgParams().text(card_id));
    c->run("DELETE FROM card_leases WHERE card_id = $1", PgParams().text(card_id));
    for (const auto& w : rows) write_row(*c, card_id, w);
  });
}

bool PostgresBackend::delete_card(const std::string& card_id) {
  bool existed = false;
  auto c = pool_->get();
  c->transaction([&] {
    // The lease row first, locked, in the order commits take it.
    PgResult l = c->run(
        "SELECT node_id, expires_at > clock_timestamp() FROM card_leases WHERE card_id = $1 FOR UPDATE",
        PgParams().text(card_id));
    if (l.rows() > 0 && l.text(0, 0) != options_.node_id && l.boolean(0, 1))
      throw CardLeased(card_id, l.text(0, 0));
    c->run("DELETE FROM card_leases WHERE card_id = $1", PgParams().text(card_id));
    c->run("DELETE FROM records WHERE card_id = $1", PgParams().text(card_id));
    existed = c->run("DELETE FROM cards WHERE card_id = $1", PgParams().text(card_id)).affected() > 0;
  });
  return existed;
}

void PostgresBackend::commit(const CardWrite& write) {
  // Decided once per commit, like the SQLite backend's injection.
  const bool doomed = options_.faults && options_.faults->next_commit_fails();
  if (write.lease_epoch == 0)
    fail(Errc::state, "store: commit to card '" + write.card_id + "' without a lease");
  auto c = pool_->get();
  c->transaction([&] {
    PgResult fence = c->run(kFenceLease, PgParams()
                                             .text(write.card_id)
                                             .text(options_.node_id)
                                             .int64(static_cast<std::int64_t>(write.lease_epoch))
                                             .int64(options_.lease_ttl.count()));
    if (fence.affected() != 1)
      fail(Errc::state, "store: card '" + write.card_id + "': node " + options_.node_id +
                            " lost its lease (taken over by another node); commit refused");
    if (write.expected_manifest_version) {
      // FOR UPDATE: two writers of one card queue here and the second sees the first's version.
      PgResult r = c->run("SELECT version FROM records WHERE card_id = $1 AND key = $2 FOR UPDATE",
                          PgParams().text(write.card_id).bytes(as_bytes(write.manifest_key)));
      if (r.rows() == 0 || static_cast<std::uint64_t>(r.int64(0, 0)) != *write.expected_manifest_version)
        fail(Errc::state, "store: card '" + write.card_id + "' was modified concurrently or deleted");
    } else if (c->run("SELECT 1 FROM cards WHERE card_id = $1", PgParams().text(write.card_id)).rows() == 0) {
      fail(Errc::not_found, "store: no card '" + write.card_id + "'");
    }
    for (std::size_t i = 0; i < write.rows.size(); ++i) {
      if (doomed && i == write.rows.size() / 2) fail(Errc::io, "store: injected commit failure");
      write_row(*c, write.card_id, write.rows[i]);
    }
  });
}

void PostgresBackend::fail_leased(PgConnection& c, const std::string& card_id) {
  PgResult r = c.run("SELECT node_id FROM card_leases WHERE card_id = $1", PgParams().text(card_id));
  throw CardLeased(card_id, r.rows() ? r.text(0, 0) : std::string("?"));
}

std::uint64_t PostgresBackend::acquire_lease(const std::string& card_id) {
  std::uint64_t epoch = 0;
  auto c = pool_->get();
  c->transaction([&] {
    PgResult r = c->run(kAcquireLease,
                        PgParams().text(card_id).text(options_.node_id).int64(options_.lease_ttl.count()));
    if (r.rows() == 0) fail_leased(*c, card_id);
    // Checked after the lease row is locked, so a concurrent delete_card (which locks it first)
    // is either seen here or waits for us.
    if (c->run("SELECT 1 FROM cards WHERE card_id = $1", PgParams().text(card_id)).rows() == 0)
      fail(Errc::not_found, "store: no card '" + card_id + "'");
    epoch = static_cast<std::uint64_t>(r.int64(0, 0));
  });
  std::lock_guard lock(lease_mu_);
  held_[card_id] = epoch;
  return epoch;
}

void PostgresBackend::release_lease(const std::string& card_id) noexcept {
  std::uint64_t epoch = 0;
  {
    std::lock_guard lock(lease_mu_);
    auto it = held_.find(card_id);
    if (it == held_.end()) return;
    epoch = it->second;
    held_.erase(it);
    if (abandoned_) return;
  }
  try {
    auto c = pool_->get();
    c->run(
        "UPDATE card_leases SET expires_at = clock_timestamp() WHERE card_id = $1 AND node_id = $2 AND epoch "
        "= $3",
        PgParams().text(card_id).text(options_.node_id).int64(static_cast<std::int64_t>(epoch)));
  } catch (...) {
    // Unreachable database: the lease lapses by itself after lease_ttl.
  }
}

void PostgresBackend::renew_leases() {
  std::vector<std::string> cards;
  std::vector<std::uint64_t> epochs;
  {
    std::lock_guard lock(lease_mu_);
    if (abandoned_) return;
    for (const auto& [card_id, epoch] : held_) {
      cards.push_back(card_id);
      epochs.push_back(epoch);
    }
  }
  if (cards.empty()) return;
  auto c = pool_->get();
  // One statement for every card. A lease another node took over no longer matches and stays
  // theirs; our commits to that card are then refused until a reload retakes it.
  c->run(
      "UPDATE card_leases AS l SET expires_at = clock_timestamp() + $3::bigint * interval '1 millisecond'"
      " FROM unnest($1::text[], $2::bigint[]) AS h(card_id, epoch)"
      " WHERE l.card_id = h.card_id AND l.epoch = h.epoch AND l.node_id = $4",
      PgParams()
          .literal(text_array(cards))
          .literal(int_array(epochs))
          .int64(options_.lease_ttl.count())
          .text(options_.node_id));
}

void PostgresBackend::abandon_leases() {
  std::lock_guard lock(lease_mu_);
  abandoned_ = true;
}

void PostgresBackend::heartbeat_loop() {
  const auto interval = options_.lease_ttl / 3;
  std::unique_lock lock(lease_mu_);
  while (!stopping_) {
    if (lease_cv_.wait_for(lock, interval, [this] { return stopping_; })) break;
    lock.unlock();
    try {
      renew_leases();
    } catch (...) {
      // The database is unreachable: retry on the next beat. If that lasts longer than the ttl
      // the leases lapse, another node may take the cards, and our commits are refused.
    }
    lock.lock();
  }
}

std::unique_ptr<Store> open_postgres_store(const std::string& conninfo, SecureBytes master_key,
                                           PostgresOptions options) {
  if (master_key.size() != 32) fail(Errc::invalid_argument, "store: master key must be 32 bytes");
  return open_sealed_store(std::make_shared<PostgresBackend>(conninfo, options), std::move(master_key));
}

}  // namespace sesame::store
