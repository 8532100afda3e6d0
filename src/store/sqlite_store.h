// The embedded persistent Store: one SQLite file in WAL mode with synchronous=FULL.
//
// Writes from all cards go to one writer thread that groups concurrent commits into one
// transaction (one fsync for the group); if a group fails, its members are retried one by one so
// every caller gets its own exact outcome. Reads use a small pool of separate connections.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "store/store.h"
#include "store/store_faults.h"
#include "util/secure_buffer.h"

namespace sesame::store {

struct SqliteOptions {
  int busy_timeout_ms = 5000;
  int read_connections = 4;     // size of the read connection pool
  std::size_t max_batch = 256;  // most commits grouped into one transaction
  bool group_commit = true;     // false: one transaction per commit (the benchmark baseline)
  std::shared_ptr<StoreFaults> faults;  // tests only
};

// Opens (creating if needed, file mode 0600) and migrates the database. master_key: 32 bytes.
// Throws Error(Errc::io) when the file cannot be opened, Error(Errc::state) when its schema is newer
// than this build understands.
std::unique_ptr<Store> open_sqlite_store(const std::string& path, SecureBytes master_key, SqliteOptions options = {});

}  // namespace sesame::store
