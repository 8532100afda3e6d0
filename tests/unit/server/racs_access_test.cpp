// Access control: the policy's decisions and the reference server's text tables. The table texts
// are the sample files shipped with Pascal Urien's reference RACS server
// (github.com/purien/racs_0_1: config/users.txt, config/paycard.txt, config/nopin.txt,
// config/nokey.txt), so a deployment's files load unchanged.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "server/racs/access_tables.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::server::racs {
namespace {

const char* kUsersTxt =
    "//\n"
    "pascal   4 0 999 myseid paycard\n"
    "\n"
    "client   4 0 999 myseid paycard\n"
    "\n"
    "client2  2 10 20\n"
    "\n"
    "Client3  1 30\n"
    "\n"
    "Client4  all\n"
    "\n"
    "admin    all\n";

const char* kPaycardTxt =
    "//////////////////////////////////\n"
    "***********paycard.txt***********\n"
    "/////////////////////////////////\n"
    "\n"
    "// AID or default               no=White_List yes=Black_List #SN  list_of_SN\n"
    "\n"
    "325041592E5359532E4444463031  no  3 pascal client admin\n"
    "A0000000041010                no  3 pascal client admin\n"
    "default                       no  3 pascal client admin\n";

const char* kNopinTxt =
    "//================\n"
    "//  nopin.txt\n"
    "//================\n"
    "// mask    apdu\n"
    "FFFF0000 A0200000\n"
    "FFFF0000 80200000\n"
    "FFFF0000 00200000\n";

std::string parse_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::parse);
    return e.what();
  }
  return "";
}

TEST(RacsAccess, ReferenceUsersTable) {
  AccessPolicy p;
  parse_users_table(kUsersTxt, "users.txt", p);
  EXPECT_TRUE(p.can_see("pascal", "paycard"));
  EXPECT_TRUE(p.can_see("pascal", "999"));
  EXPECT_FALSE(p.can_see("pascal", "10"));
  EXPECT_TRUE(p.can_see("client2", "20"));
  EXPECT_FALSE(p.can_see("client2", "paycard"));
  EXPECT_TRUE(p.can_see("Client4", "anything"));
  EXPECT_FALSE(p.can_see("client4", "anything"));  // CNs are case-sensitive
  EXPECT_TRUE(p.knows_user("admin"));
  EXPECT_FALSE(p.knows_user("mallory"));
  EXPECT_EQ(p.visible("client2", {"10", "paycard", "20"}), (std::vector<std::string>{"10", "20"}));
}

TEST(RacsAccess, ReferenceSeidTableAndFilters) {
  AccessPolicy p;
  parse_users_table(kUsersTxt, "users.txt", p);
  p.allow_seid("client2", "paycard");  // visible, but on no list of paycard.txt
  p.set_seid_policy("paycard", parse_seid_table(kPaycardTxt, "paycard.txt", [](const std::string&) -> std::string {
                      ADD_FAILURE() << "no filter file is named";
                      return "";
                    }));
  const Bytes ppse = from_hex("325041592E5359532E4444463031");
  EXPECT_TRUE(p.select_permission("pascal", "paycard", ppse));
  EXPECT_TRUE(p.select_permission("admin", "paycard", from_hex("A0000000041010")));
  EXPECT_FALSE(p.select_permission("client2", "paycard", ppse));
  EXPECT_FALSE(p.select_permission("client2", "paycard", from_hex("A0000000031010")));  // default: white list
  EXPECT_TRUE(p.select_permission("client", "paycard", from_hex("A0000000031010")));
  EXPECT_FALSE(p.select_permission("Client3", "paycard", ppse)) << "cannot see the card at all";

  const ApduFilter nopin = parse_filter_table(kNopinTxt, "nopin.txt");
  ASSERT_EQ(nopin.pairs.size(), 3u);
  EXPECT_TRUE(nopin.refuses({0x00, 0x20, 0x00, 0x81}));
  EXPECT_TRUE(nopin.refuses({0x03, 0x20, 0x00, 0x81}));  // channel 3
  EXPECT_TRUE(nopin.refuses({0x41, 0x20, 0x00, 0x81}));  // channel 5 (further class) maps back to 00
  EXPECT_FALSE(nopin.refuses({0x61, 0x20, 0x00, 0x81}));  // SM on channel 5 is 08: not 00
  EXPECT_FALSE(nopin.refuses({0x00, 0x24, 0x00, 0x81}));
  const ApduFilter nokey = parse_filter_table("//  nokey.txt\n// mask     apdu\n00FF0000  00D80000\n", "nokey.txt");
  EXPECT_TRUE(nokey.refuses({0x84, 0xD8, 0x00, 0x01}));  // PUT KEY, any class
  EXPECT_FALSE(nokey.refuses({0x84, 0xDA, 0x00, 0x01}));
}

TEST(RacsAccess, NoTableMeansDefaultAccess) {
  AccessPolicy open(true), closed(false);
  open.allow_all_seids("u");
  closed.allow_all_seids("u");
  EXPECT_TRUE(open.select_permission("u", "card", from_hex("A000000001")));
  EXPECT_FALSE(closed.select_permission("u", "card", from_hex("A000000001")));
}

TEST(RacsAccess, MalformedTablesAreRefusedWithFileAndLine) {
  AccessPolicy p;
  EXPECT_EQ(parse_error([&] { parse_users_table("u 3 a b\n", "users.txt", p); }),
            "users.txt:1: user u lists 2 SEIDs, count says 3");
  EXPECT_EQ(parse_error([&] { parse_users_table("// c\nu x\n", "users.txt", p); }),
            "users.txt:2: expected a count, got \"x\"");
  const auto no_filter = [](const std::string&) -> std::string { return ""; };
  EXPECT_EQ(parse_error([&] { parse_seid_table("A000000001 maybe 0\n", "s.txt", no_filter); }),
            "s.txt:1: expected no (white list) or yes (black list), got \"maybe\"");
  EXPECT_EQ(parse_error([&] { parse_seid_table("A0000001 no 0\n", "s.txt", no_filter); }),
            "s.txt:1: an AID is 5-16 bytes of hex, or default");
  EXPECT_EQ(parse_error([&] { parse_seid_table("default no 1 a:../../etc/passwd\n", "s.txt", no_filter); }),
            "s.txt:1: a filter is a file name in the same directory: ../../etc/passwd");
  EXPECT_EQ(parse_error([&] { parse_seid_table("default no 0\ndefault yes 0\n", "s.txt", no_filter); }),
            "s.txt:2: a second default line");
  EXPECT_EQ(parse_error([] { parse_filter_table("FFFF0000 A02000\n", "f.txt"); }),
            "f.txt:1: expected MASK VALUE, 4 hex bytes each (CLA INS P1 P2)");
  EXPECT_EQ(parse_error([] { parse_filter_table("0FFF0000 A0200000\n", "f.txt"); }),
            "f.txt:1: value has bits the mask clears: it can never match");
}

TEST(RacsAccess, LoadsADirectoryOfTables) {
  const auto dir = std::filesystem::temp_directory_path() / ("racs-acl-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "users.txt") << kUsersTxt;
  std::ofstream(dir / "myseid.txt") << "default no 1 pascal:nopin.txt\n";
  std::ofstream(dir / "nopin.txt") << kNopinTxt;
  RacsConfig cfg;
  cfg.acl_dir = dir;
  cfg.users["extra"] = {"myseid"};
  const AccessPolicy p = build_access_policy(cfg, "/nonexistent", {"demo"});
  EXPECT_TRUE(p.can_see("extra", "myseid"));
  const auto f = p.select_permission("pascal", "myseid", from_hex("A000000001"));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->pairs.size(), 3u);
  EXPECT_FALSE(p.select_permission("extra", "myseid", from_hex("A000000001")));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sesame::server::racs
