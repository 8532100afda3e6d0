#include "store/master_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "util/error.h"

namespace sesame::store {
namespace {

class MasterKeyTest : public ::testing::Test {
 protected:
  MasterKeyTest() {
    dir_ = std::filesystem::temp_directory_path() / ("sesame-master-key-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "master.key").string();
  }
  ~MasterKeyTest() override { std::filesystem::remove_all(dir_); }

  void write_file(std::size_t n, mode_t mode) {
    std::ofstream(path_, std::ios::binary) << std::string(n, 'k');
    ASSERT_EQ(::chmod(path_.c_str(), mode), 0);
  }
  Errc error_of_load() {
    try {
      load_or_create_master_key(path_);
    } catch (const Error& e) {
      return e.code();
    }
    ADD_FAILURE() << "key file accepted";
    return Errc::internal;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(MasterKeyTest, CreatesPrivate32ByteKeyAndLoadsItAgain) {
  SecureBytes k1 = load_or_create_master_key(path_);
  EXPECT_EQ(k1.size(), 32u);
  EXPECT_FALSE(k1 == SecureBytes(32));  // not all zero
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  SecureBytes k2 = load_or_create_master_key(path_);
  EXPECT_TRUE(k1 == k2);
  // No temporary file is left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), std::filesystem::directory_iterator()), 1);
}

TEST_F(MasterKeyTest, LoadsExistingKeyBytes) {
  write_file(32, 0600);
  SecureBytes k = load_or_create_master_key(path_);
  EXPECT_TRUE(k == SecureBytes(as_bytes(std::string(32, 'k'))));
  write_file(32, 0400);
  EXPECT_NO_THROW(load_or_create_master_key(path_));
}

TEST_F(MasterKeyTest, RefusesGroupOrWorldAccess) {
  for (mode_t mode : {0644, 0640, 0604, 0660, 0602}) {
    write_file(32, mode);
    EXPECT_EQ(error_of_load(), Errc::state) << std::oct << mode;
  }
}

TEST_F(MasterKeyTest, RefusesWrongSize) {
  for (std::size_t n : {0, 16, 31, 33, 64}) {
    write_file(n, 0600);
    EXPECT_EQ(error_of_load(), Errc::state) << n;
  }
}

TEST_F(MasterKeyTest, RefusesSymlink) {
  std::string target = (dir_ / "real.key").string();
  std::ofstream(target, std::ios::binary) << std::string(32, 'k');
  ASSERT_EQ(::chmod(target.c_str(), 0600), 0);
  std::filesystem::create_symlink(target, path_);
  EXPECT_EQ(error_of_load(), Errc::state);
}

TEST_F(MasterKeyTest, MissingDirectoryIsAnIoError) {
  path_ = (dir_ / "no-such-dir" / "master.key").string();
  EXPECT_EQ(error_of_load(), Errc::io);
}

}  // namespace
}  // namespace sesame::store
