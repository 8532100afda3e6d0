// The shared persistent Store: sealed rows in PostgreSQL, so several sesamed nodes serve the same
// cards. A card runs on one node at a time, under a lease held in PostgreSQL (docs/STORE.md):
// opening a card takes this node's lease (Error(Errc::state) while another node holds a live
// one), a heartbeat renews it, every commit is fenced by it, and closing the card's last
// CardStore releases it. A node that dies stops renewing; after lease_ttl another node takes the
// card over with a higher epoch, and the dead node's late commits are refused.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "store/store.h"
#include "store/store_faults.h"
#include "util/secure_buffer.h"

namespace sesame::store {

struct PostgresOptions {
  // This node's name in the lease table: 1..200 printable characters, unique among the live nodes
  // sharing the database (a restarted node may reuse its name and gets its cards back at once).
  std::string node_id;
  std::chrono::milliseconds lease_ttl{10000};  // a dead node's cards move after this long
  int connections = 8;                         // size of the connection pool
  int statement_timeout_ms = 10000;
  std::shared_ptr<StoreFaults> faults;  // tests only
};

// Connects, creates or migrates the schema (in one transaction, serialised between nodes by an
// advisory lock) and starts the lease heartbeat. conninfo: a libpq connection string or URI.
// master_key: 32 bytes, the same on every node. Throws Error(Errc::io) when the server cannot be
// reached, Error(Errc::state) when the schema is newer than this build understands,
// Error(Errc::invalid_argument) for a bad node id or key.
std::unique_ptr<Store> open_postgres_store(const std::string& conninfo, SecureBytes master_key,
                                           PostgresOptions options);

}  // namespace sesame::store
