// `sesame gp list` / `sesame gp info` on a card of a local state dir, through cli_main: the
// registry under SCP03 with life cycle names, and wrong keys refused with exit code 1.
#include "cli/gp_commands.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_app.h"

namespace sesame::cli {
namespace {

namespace fs = std::filesystem;

class GpCommandsTest : public ::testing::Test {
 protected:
  GpCommandsTest() : dir(fs::temp_directory_path() / ("sesame-gp-cli-" + std::to_string(::getpid()))) {
    fs::remove_all(dir);
    EXPECT_EQ(run({"card", "create", "--seid", "c1"}), 0);
    EXPECT_EQ(run({"applet", "install", "c1", "sesame.demo", "F0534553414D4501"}), 0);
  }
  ~GpCommandsTest() override { fs::remove_all(dir); }

  // cli_main with --state-dir <dir>; stdout captured in `out`.
  int run(std::vector<std::string> args) {
    args.insert(args.begin(), {"sesame", "--state-dir", dir.string()});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    std::ostringstream captured;
    auto* old = std::cout.rdbuf(captured.rdbuf());
    const int rc = cli_main(static_cast<int>(argv.size()), argv.data());
    std::cout.rdbuf(old);
    out = captured.str();
    return rc;
  }

  fs::path dir;
  std::string out;
};

TEST_F(GpCommandsTest, ListShowsTheRegistryWithLifeCycleNames) {
  ASSERT_EQ(run({"gp", "list", "c1"}), 0);
  EXPECT_NE(out.find("ISD: A000000151000000 SECURED (0F)"), std::string::npos) << out;
  EXPECT_NE(out.find("APP: F0534553414D4501 SELECTABLE (07)"), std::string::npos) << out;
  EXPECT_NE(out.find("PKG: "), std::string::npos) << out;
  ASSERT_EQ(run({"gp", "list", "c1", "--level", "33", "--s16"}), 0);
  EXPECT_NE(out.find("APP: F0534553414D4501 SELECTABLE (07)"), std::string::npos) << out;
}

TEST_F(GpCommandsTest, InfoShowsTheKeySet) {
  ASSERT_EQ(run({"gp", "info", "c1", "--kvn", "30"}), 0);
  EXPECT_NE(out.find("Key version:       30"), std::string::npos) << out;
  EXPECT_NE(out.find("E012C00401308810C00402308810C00403308810"), std::string::npos) << out;
}

TEST_F(GpCommandsTest, WrongKeysAndBadOptionsFail) {
  EXPECT_EQ(run({"gp", "list", "c1", "--key-mac", "000102030405060708090A0B0C0D0E0F"}), 1);
  EXPECT_EQ(run({"gp", "list", "c1", "--kvn", "31"}), 1);
  EXPECT_EQ(run({"gp", "list", "c1", "--level", "02"}), 1);
  EXPECT_EQ(run({"gp", "list"}), 1) << "no card named";
  EXPECT_EQ(run({"gp", "list", "nope"}), 1);
}

TEST_F(GpCommandsTest, PutKeyRotatesTheKeys) {
  const std::string k1 = "000102030405060708090A0B0C0D0E0F";
  ASSERT_EQ(run({"gp", "put-key", "c1", "--level", "03", "--new-kvn", "31", "--replace", "30", "--new-key-enc", k1,
                 "--new-key-mac", k1, "--new-key-dek", k1}),
            0);
  EXPECT_NE(out.find("key set 31 stored"), std::string::npos) << out;
  EXPECT_EQ(run({"gp", "list", "c1"}), 1) << "the test keys are gone";
  ASSERT_EQ(run({"gp", "list", "c1", "--kvn", "31", "--key-enc", k1, "--key-mac", k1, "--key-dek", k1}), 0);
  EXPECT_NE(out.find("ISD: A000000151000000"), std::string::npos) << out;
}

TEST_F(GpCommandsTest, LockAndUnlock) {
  ASSERT_EQ(run({"gp", "lock", "F0534553414D4501", "c1"}), 0);
  ASSERT_EQ(run({"gp", "list", "c1"}), 0);
  EXPECT_NE(out.find("APP: F0534553414D4501 LOCKED (87)"), std::string::npos) << out;
  ASSERT_EQ(run({"gp", "unlock", "F0534553414D4501", "c1"}), 0);
  EXPECT_EQ(run({"gp", "unlock", "F0534553414D4501", "c1"}), 1) << "not locked: 6985";
  ASSERT_EQ(run({"gp", "lock-card", "c1"}), 0);
  ASSERT_EQ(run({"card", "show", "c1"}), 0);
  EXPECT_NE(out.find("CARD_LOCKED (7F)"), std::string::npos) << out;
  ASSERT_EQ(run({"gp", "unlock-card", "c1"}), 0);
  ASSERT_EQ(run({"gp", "list", "c1"}), 0);
  EXPECT_NE(out.find("ISD: A000000151000000 SECURED (0F)"), std::string::npos) << out;
  EXPECT_NE(out.find("APP: F0534553414D4501 SELECTABLE (07)"), std::string::npos) << out;
}

TEST_F(GpCommandsTest, InstallAndDelete) {
  ASSERT_EQ(run({"gp", "delete", "F0534553414D4501", "c1"}), 0);
  ASSERT_EQ(run({"gp", "list", "c1"}), 0);
  EXPECT_EQ(out.find("APP: "), std::string::npos) << out;
  ASSERT_EQ(run({"gp", "install", "F0534553414D4502", "c1", "--load-file", "F0534553414D450001", "--module", "F0534553414D45000101",
                 "--level", "33"}),
            0);
  ASSERT_EQ(run({"gp", "list", "c1"}), 0);
  EXPECT_NE(out.find("APP: F0534553414D4502 SELECTABLE (07)"), std::string::npos) << out;
  ASSERT_EQ(run({"apdu", "c1", "00A4040C08F0534553414D4502"}), 0);
  EXPECT_NE(out.find("9000"), std::string::npos) << out;
  EXPECT_EQ(run({"gp", "delete", "F0534553414D4509", "c1"}), 1) << "no such application";
}

}  // namespace
}  // namespace sesame::cli
