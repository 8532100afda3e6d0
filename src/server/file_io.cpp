#include "server/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "util/error.h"
#include "util/posix_file.h"

namespace sesame::server {
namespace {

[[noreturn]] void io_fail(const std::string& what, const std::filesystem::path& path) {
  const int err = errno;
  fail_errno(err, what + " " + path.string());
}

// Reads a whole file into `out` (a std::string or SecureBytes-backed buffer via callback).
template <typename Sink>
void read_all(const std::filesystem::path& path, Sink&& sink) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) io_fail("cannot open", path);
  std::uint8_t buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      secure_zero(buf, sizeof buf);
      io_fail("cannot read", path);
    }
    if (n == 0) break;
    sink(ByteView(buf, static_cast<std::size_t>(n)));
  }
  secure_zero(buf, sizeof buf);
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

void ensure_private_dir(const std::filesystem::path& given) {
  const std::filesystem::path dir = given.has_filename() ? given : given.parent_path();  // "var/" is "var"
  std::error_code ec;
  if (dir.has_parent_path() && dir.parent_path() != dir) {
    std::filesystem::create_directories(dir.parent_path(), ec);
    if (ec) fail(Errc::io, "cannot create directory " + dir.parent_path().string() + ": " + ec.message());
  }
  if (::mkdir(dir.c_str(), 0700) == 0) {
    // Ours: the umask may have narrowed the mode, never widened it; make it exactly 0700.
    if (::chmod(dir.c_str(), 0700) != 0) io_fail("cannot set mode 0700 on", dir);
  } else if (errno != EEXIST) {
    io_fail("cannot create directory", dir);
  }
  // An existing directory is the operator's: check it, change nothing. lstat: a symbolic link is
  // refused rather than followed (it could lead anywhere, and be re-pointed later).
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) io_fail("cannot stat", dir);
  if (S_ISLNK(st.st_mode)) fail(Errc::state, "state dir " + dir.string() + " is a symbolic link; give the real path");
  if (!S_ISDIR(st.st_mode)) fail(Errc::state, "state dir " + dir.string() + " is not a directory");
  if (st.st_uid != ::geteuid())
    fail(Errc::state, "state dir " + dir.string() + " belongs to another user (uid " + std::to_string(st.st_uid) +
                          "); it holds the master key and must be this user's");
  if ((st.st_mode & 022) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    fail(Errc::state, "state dir " + dir.string() + " has mode " + mode +
                          ", which lets group or others write into it; it must not (chmod 700)");
  }
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
