#include "server/file_io.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

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

}  // namespace
}  // namespace sesame::server
