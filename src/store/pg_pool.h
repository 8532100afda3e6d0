// A small pool of PostgreSQL connections shared by the threads of one store. Connections are
// opened on demand up to a limit; one that broke (server restart, network) is dropped instead of
// being handed out again, so the next use reconnects.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/pg_connection.h"

namespace sesame::store {

class PgPool {
 public:
  PgPool(std::string conninfo, int size, int statement_timeout_ms);
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // One connection, exclusively, until the handle goes out of scope.
  class Handle {
   public:
    Handle(PgPool& pool, std::unique_ptr<PgConnection> c) : pool_(pool), c_(std::move(c)) {}
    ~Handle() { pool_.give_back(std::move(c_)); }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    PgConnection& operator*() { return *c_; }
    PgConnection* operator->() { return c_.get(); }

   private:
    PgPool& pool_;
    std::unique_ptr<PgConnection> c_;
  };

  // Waits while every connection is in use. Throws Error(Errc::io) when a new connection fails.
  Handle get();

 private:
  void give_back(std::unique_ptr<PgConnection> c) noexcept;

  std::string conninfo_;
  int size_;
  int statement_timeout_ms_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  int open_ = 0;  // connections handed out or idle
};

}  // namespace sesame::store
