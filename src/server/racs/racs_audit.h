// The RACS audit trail: one line per security-relevant event of a session (connection with the
// certificate's CN, refusals, card power and locking, SELECTs with their AIDs, refused APDUs by
// header, session end). APDU data never appears: not of VERIFY, CHANGE REFERENCE DATA, RESET
// RETRY COUNTER or key commands, nor of any other command (only SELECT's AID, which names an
// application and is not secret).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sesame::server::racs {

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  // `line` is "key=value ..." text without a newline. Thread-safe.
  virtual void write(const std::string& line) = 0;
};

// To sesamed's log (spdlog, level info, prefixed "audit").
std::unique_ptr<AuditLog> make_log_audit();
// Appends to `file` (created mode 0600), one timestamped line per event, flushed per line.
// Error(Errc::io) if it cannot be opened.
std::unique_ptr<AuditLog> make_file_audit(const std::filesystem::path& file);

// Keeps the lines, for tests.
class MemoryAudit : public AuditLog {
 public:
  void write(const std::string& line) override {
    std::lock_guard lock(mutex_);
    lines_.push_back(line);
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace sesame::server::racs
