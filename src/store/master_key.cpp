#include "store/master_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "crypto/random.h"
#include "store/record_seal.h"
#include "util/error.h"
#include "util/hex.h"
#include "util/posix_file.h"

namespace sesame::store {
namespace {

[[noreturn]] void io_fail(const std::string& what, const std::string& path) {
  const int err = errno;
  fail_errno(err, "store: " + what + " '" + path + "'");
}

SecureBytes load(const std::string& path) {
  struct stat lst {};
  if (::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode))
    fail(Errc::state, "store: master key file '" + path + "' is a symbolic link");
  Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) io_fail("cannot open master key file", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) io_fail("cannot stat master key file", path);
  if (!S_ISREG(st.st_mode)) fail(Errc::state, "store: master key file '" + path + "' is not a regular file");
  if (st.st_uid != ::geteuid())
    fail(Errc::state, "store: master key file '" + path + "' belongs to another user");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    fail(Errc::state, "store: master key file '" + path + "' has mode " + mode +
                          ", which lets group or others access it; it must be 0600 (chmod 600)");
  }
  if (st.st_size != static_cast<off_t>(kStoreKeySize))
    fail(Errc::state, "store: master key file '" + path + "' must hold exactly 32 bytes, it holds " +
                          std::to_string(st.st_size));
  SecureBytes key(kStoreKeySize);
  std::size_t got = 0;
  while (got < key.size()) {
    ssize_t n = ::read(fd.get(), key.data() + got, key.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) io_fail("cannot read master key file", path);
    got += static_cast<std::size_t>(n);
  }
  return key;
}

void fsync_dir(const std::filesystem::path& dir) {
  Fd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) io_fail("cannot sync directory", dir.string());
}

// Returns false if another process created the file first.
bool create(const std::string& path) {
  SecureBytes key = crypto::random_secret(kStoreKeySize);
  std::string tmp = path + ".tmp-" + to_hex(crypto::random_bytes(8));
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd.get() < 0) io_fail("cannot create master key file", tmp);
    std::size_t put = 0;
    while (put < key.size()) {
      ssize_t n = ::write(fd.get(), key.data() + put, key.size() - put);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int saved = errno;  // unlink() would overwrite the reason
        ::unlink(tmp.c_str());
        errno = saved;
        io_fail("cannot write master key file", tmp);
      }
      put += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) {
      const int saved = errno;
      ::unlink(tmp.c_str());
      errno = saved;
      io_fail("cannot sync master key file", tmp);
    }
  }
  // link() never replaces an existing key, unlike rename(): two processes starting at once agree.
  int rc = ::link(tmp.c_str(), path.c_str());
  int err = errno;
  ::unlink(tmp.c_str());
  if (rc != 0) {
    if (err == EEXIST) return false;
    errno = err;
    io_fail("cannot install master key file", path);
  }
  fsync_dir(std::filesystem::path(path).parent_path());
  return true;
}

}  // namespace

SecureBytes load_or_create_master_key(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) io_fail("cannot stat master key file", path);
    create(path);
  }
  return load(path);
}

}  // namespace sesame::store
