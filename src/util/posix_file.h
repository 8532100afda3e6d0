// The two POSIX file helpers the store and the server share: an owning file descriptor and an
// io error that keeps errno's text.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "util/error.h"

namespace sesame {

// Closes the descriptor when it goes out of scope. -1 means none.
class Fd {
 public:
  explicit Fd(int fd = -1) noexcept : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

// Error(Errc::io, what + ": " + strerror(err)). Pass errno as read right after the failing call.
[[noreturn]] inline void fail_errno(int err, const std::string& what) {
  fail(Errc::io, what + ": " + std::strerror(err));
}

}  // namespace sesame
