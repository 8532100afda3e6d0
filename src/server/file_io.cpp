#include "server/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.h"

namespace sesame::server {
namespace {

[[noreturn]] void io_fail(const std::string& what, const std::filesystem::path& path) {
  fail(Errc::io, what + " " + path.string() + ": " + std::strerror(errno));
}

// Reads a whole file into `out` (a std::string or SecureBytes-backed buffer via callback).
template <typename Sink>
void read_all(const std::filesystem::path& path, Sink&& sink) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) io_fail("cannot open", path);
  std::uint8_t buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      errno = saved;
      io_fail("cannot read", path);
    }
    if (n == 0) break;
    sink(ByteView(buf, static_cast<std::size_t>(n)));
  }
  secure_zero(buf, sizeof buf);
  ::close(fd);
}

}  // namespace

void write_file_atomic(const std::filesystem::path& path, ByteView content, unsigned mode) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) io_fail("cannot create", tmp);
  // The umask may have narrowed the mode; set it exactly (it never widens beyond `mode`).
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    ::close(fd);
    io_fail("cannot chmod", tmp);
  }
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      ::unlink(tmp.c_str());
      io_fail("cannot write", tmp);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    io_fail("cannot sync", tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    io_fail("cannot rename into", path);
  }
}

void ensure_private_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail(Errc::io, "cannot create directory " + dir.string() + ": " + ec.message());
  if (::chmod(dir.c_str(), 0700) != 0) io_fail("cannot set mode 0700 on", dir);
}

std::string read_text_file(const std::filesystem::path& path) {
  std::string out;
  read_all(path, [&](ByteView b) { out.append(reinterpret_cast<const char*>(b.data()), b.size()); });
  return out;
}

SecureBytes read_secret_file(const std::filesystem::path& path) {
  SecureBytes out;
  read_all(path, [&](ByteView b) { out.append(b); });
  return out;
}

}  // namespace sesame::server
