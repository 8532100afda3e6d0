#include "server/racs/racs_audit.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <cstring>

#include "util/error.h"

namespace sesame::server::racs {
namespace {

class LogAudit : public AuditLog {
 public:
  void write(const std::string& line) override { spdlog::info("audit {}", line); }
};

class FileAudit : public AuditLog {
 public:
  explicit FileAudit(const std::filesystem::path& file) {
    fd_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd_ < 0) fail(Errc::io, "racs: cannot open audit log " + file.string() + ": " + std::strerror(errno));
  }
  ~FileAudit() override { ::close(fd_); }
  FileAudit(const FileAudit&) = delete;
  FileAudit& operator=(const FileAudit&) = delete;

  void write(const std::string& line) override {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    const std::string text = stamp + line + "\n";
    std::lock_guard lock(mutex_);
    // One write(2) per line with O_APPEND: lines from several threads never interleave.
    const ssize_t n = ::write(fd_, text.data(), text.size());
    if (n != static_cast<ssize_t>(text.size())) spdlog::error("racs: audit log write failed: {}", std::strerror(errno));
  }

 private:
  int fd_ = -1;
  std::mutex mutex_;
};

}  // namespace

std::unique_ptr<AuditLog> make_log_audit() { return std::make_unique<LogAudit>(); }

std::unique_ptr<AuditLog> make_file_audit(const std::filesystem::path& file) {
  return std::make_unique<FileAudit>(file);
}

}  // namespace sesame::server::racs
