#include "server/file_io.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <tuple>
#include <utility>

#include "util/error.h"

namespace sesame::server {
namespace {

TEST(FileIo, AtomicWriteSetsTheExactModeAndReplaces) {
  char tmpl[] = "/tmp/sesame-fileio-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::filesystem::path dir = tmpl;
  const auto file = dir / "secret.key";
  const mode_t old_umask = ::umask(0);  // a permissive umask must not widen the mode
  write_file_atomic(file, as_bytes("first"), 0600);
  ::umask(old_umask);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  write_file_atomic(file, as_bytes("second"), 0600);
  EXPECT_EQ(read_text_file(file), "second");
  EXPECT_EQ(read_secret_file(file).reveal(), Bytes(as_bytes("second").begin(), as_bytes("second").end()));
  EXPECT_FALSE(std::filesystem::exists(dir / "secret.key.tmp"));
  EXPECT_THROW(read_text_file(dir / "absent"), Error);
  EXPECT_THROW(write_file_atomic(dir / "no/such/dir/f", as_bytes("x"), 0600), Error);
  std::filesystem::remove_all(dir);
}

// The Errc and message of ensure_private_dir(dir), or Errc::internal and "" when it accepts.
std::pair<Errc, std::string> private_dir_error(const std::filesystem::path& dir) {
  try {
    ensure_private_dir(dir);
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  return {Errc::internal, ""};
}

mode_t mode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

TEST(FileIo, PrivateDirIsCreated0700AndAnExistingOneIsCheckedNotChanged) {
  char tmpl[] = "/tmp/sesame-privdir-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::filesystem::path root = tmpl;

  const mode_t old_umask = ::umask(0);  // a permissive umask must not make it group-writable
  ensure_private_dir(root / "a" / "state");
  ::umask(old_umask);
  EXPECT_EQ(mode_of(root / "a" / "state"), 0700u);
  ensure_private_dir(root / "a" / "state");  // a second start accepts it

  // An existing dir that others may read but not write is the operator's choice: left as it is.
  ASSERT_EQ(::mkdir((root / "shared").c_str(), 0700), 0);
  ASSERT_EQ(::chmod((root / "shared").c_str(), 0755), 0);
  ensure_private_dir(root / "shared");
  EXPECT_EQ(mode_of(root / "shared"), 0755u);
  ensure_private_dir(root / "shared/");

  // Group- or world-writable: refused, and not "repaired" behind the operator's back.
  for (const mode_t m : {0770, 0702, 0777}) {
    ASSERT_EQ(::chmod((root / "shared").c_str(), m), 0);
    const auto [code, msg] = private_dir_error(root / "shared");
    EXPECT_EQ(code, Errc::state) << std::oct << m;
    EXPECT_NE(msg.find("group or others write"), std::string::npos) << msg;
    EXPECT_EQ(mode_of(root / "shared"), m);
  }

  // A symbolic link is refused, not followed, even to a good directory.
  std::filesystem::create_directory_symlink(root / "a" / "state", root / "link");
  auto [code, msg] = private_dir_error(root / "link");
  EXPECT_EQ(code, Errc::state);
  EXPECT_NE(msg.find("symbolic link"), std::string::npos) << msg;

  // A file where the dir should be.
  write_file_atomic(root / "file", as_bytes("x"), 0600);
  std::tie(code, msg) = private_dir_error(root / "file");
  EXPECT_EQ(code, Errc::state);
  EXPECT_NE(msg.find("not a directory"), std::string::npos) << msg;

  // Cannot be created (a parent is a file): io.
  std::tie(code, msg) = private_dir_error(root / "file" / "sub");
  EXPECT_EQ(code, Errc::io) << msg;

  std::filesystem::remove_all(root);
}

TEST(FileIo, PrivateDirOfAnotherUserIsRefused) {
  std::filesystem::path dir = "/";  // root's, mode 0755: only the owner check refuses it
  std::filesystem::path cleanup;
  if (::geteuid() == 0) {
    char tmpl[] = "/tmp/sesame-privdir-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    cleanup = dir = tmpl;
    ASSERT_EQ(::chown(dir.c_str(), 65534, 65534), 0);  // nobody
  }
  const auto [code, msg] = private_dir_error(dir);
  EXPECT_EQ(code, Errc::state);
  EXPECT_NE(msg.find("belongs to another user"), std::string::npos) << msg;
  if (!cleanup.empty()) std::filesystem::remove_all(cleanup);
}

}  // namespace
}  // namespace sesame::server
