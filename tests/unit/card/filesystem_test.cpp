// FileSystem: SELECT variants and FCP, READ/UPDATE BINARY (B0/B1/D6, SFI and offsets), READ/
// UPDATE/APPEND RECORD, access conditions and the ISO/IEC 7816-4 status words.
#include "card/filesystem.h"

#include <gtest/gtest.h>

#include "context_fixture.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::card {
namespace {

struct Result {
  std::uint16_t sw;
  std::string data;
};

class FileSystemTest : public ::testing::Test {
 protected:
  FileSystemTest() {
    FileSpec df;
    df.fid = 0x5000;
    df.kind = FileKind::df;
    df.df_name = {'D', 'F', 'N', 'A', 'M', 'E'};
    fs.add(kMasterFile, df);
    FileSpec ef;
    ef.fid = 0x5001;
    ef.sfi = 1;
    ef.size = 10;
    ef.update = access::always();
    fs.add(0x5000, ef);
    FileSpec hidden;
    hidden.fid = 0x5002;
    hidden.size = 4;
    hidden.read = access::never();
    fs.add(0x5000, hidden);
    FileSpec fixed;
    fixed.fid = 0x0101;
    fixed.kind = FileKind::linear_fixed;
    fixed.sfi = 2;
    fixed.size = 4;
    fixed.max_records = 3;
    fixed.update = access::always();
    fixed.append = access::always();
    fs.add(0x5000, fixed);
    FileSpec variable;
    variable.fid = 0x0102;
    variable.kind = FileKind::linear_variable;
    variable.sfi = 3;
    variable.size = 8;
    variable.max_records = 2;
    variable.append = [this](AppletContext&) { return allowed; };
    fs.add(0x5000, variable);
    FileSpec top;
    top.fid = 0x2F00;
    top.sfi = 5;
    top.size = 4;
    fs.add(kMasterFile, top);
  }

  Result run(const std::string& hex) {
    try {
      auto r = fs.process(iso7816::CommandApdu::parse(from_hex(hex)), ctx);
      if (!r) return {0, "not a file system command"};
      return {r->sw, to_hex(r->data)};
    } catch (const iso7816::SwError& e) {
      return {e.sw(), ""};
    }
  }
  std::uint16_t sw(const std::string& hex) { return run(hex).sw; }

  testing::ContextFixture f;
  AppletContext ctx = f.ctx();
  FileSystem fs;
  bool allowed = false;
};

TEST_F(FileSystemTest, SelectMfAndDfWithFciAndFcp) {
  // FCP objects (ISO/IEC 7816-4 Table 12): 82 descriptor, 83 FID, 84 DF name, 8A life cycle 05.
  EXPECT_EQ(run("00A4000000").data, "6F0A" "820138" "83023F00" "8A0105");
  EXPECT_EQ(run("00A40000023F0000").data, "6F0A820138" "83023F00" "8A0105");
  EXPECT_EQ(run("00A4010402500000").data, "621282013883025000" "8406" "44464E414D45" "8A0105");
  EXPECT_EQ(run("00A4030C").sw, 0x9000);  // parent of DF 5000: the MF
  EXPECT_EQ(run("00A4030C").sw, 0x6A82);  // the MF has no parent
}

TEST_F(FileSystemTest, SelectEfVariants) {
  EXPECT_EQ(sw("00A4020C025001"), 0x6A82) << "not under the MF";
  EXPECT_EQ(sw("00A4010C025000"), 0x9000);
  // transparent: 82 01, 80 size, 83 FID, 88 SFI<<3, 8A
  EXPECT_EQ(run("00A4020402500100").data, "6211820101" "8002000A" "83025001" "880108" "8A0105");
  EXPECT_EQ(sw("00A4010C025001"), 0x6A82) << "P1=01 wants a DF";
  EXPECT_EQ(sw("00A4000C025001"), 0x9000) << "P1=00 finds a sibling EF";
  EXPECT_EQ(sw("00A4000C022F00"), 0x9000) << "P1=00 finds an EF under the parent";
  EXPECT_EQ(sw("00A4080C0450000101"), 0x9000) << "path from the MF";
  EXPECT_EQ(run("00A40804045000010100").data, "6211" "82050221000400" "83020101" "880110" "8A0105");
  EXPECT_EQ(sw("00A4080C0450009999"), 0x6A82);
  EXPECT_EQ(sw("00A4090C020102"), 0x9000) << "path from the current DF (5000)";
}

TEST_F(FileSystemTest, SelectByDfNameAndBadParameters) {
  EXPECT_EQ(sw("00A4040C06" "44464E414D45"), 0x9000);
  EXPECT_EQ(sw("00A4040C06" "44464E414D46"), 0x6A82);
  EXPECT_EQ(sw("00A4050C025000"), 0x6A86);
  EXPECT_EQ(sw("00A4000D025000"), 0x6A86);  // next occurrence
  EXPECT_EQ(sw("00A4000C0150"), 0x6700);
  EXPECT_EQ(sw("00A4080C03500001"), 0x6700);
  EXPECT_EQ(run("00A4000802500000").data, "6400");  // P2=08: FMD, empty
}

TEST_F(FileSystemTest, ReadAndUpdateBinary) {
  EXPECT_EQ(sw("00B0000000"), 0x6986) << "no current EF";
  ASSERT_EQ(sw("00A4080C0450005001"), 0x9000);
  EXPECT_EQ(sw("00D60000050102030405"), 0x9000);
  EXPECT_EQ(run("00B0000000").data, "01020304050000000000");
  EXPECT_EQ(run("00B0000000").sw, 0x9000) << "Le=00 reads to the end without warning";
  EXPECT_EQ(run("00B0000204").data, "03040500");
  auto r = run("00B0000804");
  EXPECT_EQ(r.data, "0000");
  EXPECT_EQ(r.sw, 0x6282) << "end of file before Ne bytes";
  EXPECT_EQ(sw("00B0000B00"), 0x6B00) << "offset beyond the end";
  EXPECT_EQ(sw("00D6000803AABBCC"), 0x6A84) << "write past the end";
  EXPECT_EQ(sw("00D6000B01AA"), 0x6B00);
  EXPECT_EQ(sw("00D60000"), 0x6700);
  EXPECT_EQ(sw("00B00000"), 0x6700) << "no Le";
  EXPECT_EQ(fs.read_binary(ctx.persistent(), 0x5001), from_hex("01020304050000000000"));
}

TEST_F(FileSystemTest, ShortFileIdentifiersAndOddIns) {
  ASSERT_EQ(sw("00A4010C025000"), 0x9000);
  EXPECT_EQ(sw("00D6810003AABBCC"), 0x9000);  // SFI 1, offset 0
  EXPECT_EQ(run("00B0810103").data, "BBCC00");
  EXPECT_EQ(sw("00B0890000"), 0x6A82) << "no SFI 9 in this DF";
  EXPECT_EQ(sw("00B0A10000"), 0x6A86) << "P1 b7..b6 must be 0 with an SFI";
  // B1: offset in '54', data in '53' (ISO/IEC 7816-4 §11.3.3)
  EXPECT_EQ(run("00B1000103540101" "00").data, "5309BBCC00000000000000");
  EXPECT_EQ(run("00B1500103540108" "00").data, "53020000");
  EXPECT_EQ(sw("00B1000003530101" "00"), 0x6A80);
  EXPECT_EQ(sw("00B1000003540115" "00"), 0x6B00);
}

TEST_F(FileSystemTest, AccessConditionsAndStructureMismatch) {
  ASSERT_EQ(sw("00A4080C0450005002"), 0x9000);
  EXPECT_EQ(sw("00B0000000"), 0x6982);
  EXPECT_EQ(sw("00D6000001AA"), 0x6982) << "update is never by default";
  EXPECT_EQ(sw("00B2010400"), 0x6981) << "READ RECORD on a transparent EF";
  ASSERT_EQ(sw("00A4080C0450000101"), 0x9000);
  EXPECT_EQ(sw("00B0000000"), 0x6981) << "READ BINARY on a record EF";
}

TEST_F(FileSystemTest, LinearFixedRecords) {
  ASSERT_EQ(sw("00A4010C025000"), 0x9000);
  EXPECT_EQ(sw("00B2011400"), 0x6A83) << "empty file";
  EXPECT_EQ(sw("00E2001004AABBCCDD"), 0x9000);  // SFI 2 in P2 b8..b4
  EXPECT_EQ(sw("00E2001003AABBCC"), 0x6700) << "fixed size is 4";
  EXPECT_EQ(run("00B2011400").data, "AABBCCDD");
  EXPECT_EQ(sw("00B2021400"), 0x6A83);
  EXPECT_EQ(sw("00B2001400"), 0x6A83) << "no current record";
  EXPECT_EQ(sw("00B2011500"), 0x6A86) << "P2 b3..b1 other than 100";
  EXPECT_EQ(sw("00B201FC00"), 0x6A86) << "SFI 31 is reserved";
  EXPECT_EQ(sw("00B2011402"), 0x6C04) << "Le too short: exact length";
  auto r = run("00B2011406");
  EXPECT_EQ(r.data, "AABBCCDD");
  EXPECT_EQ(r.sw, 0x6282);
  EXPECT_EQ(sw("00DC01140411223344"), 0x9000);
  EXPECT_EQ(run("00B2011400").data, "11223344");
  EXPECT_EQ(sw("00DC021404AABBCCDD"), 0x6A83);
  EXPECT_EQ(sw("00E2001004AABBCCDD"), 0x9000);
  EXPECT_EQ(sw("00E2001004AABBCCDD"), 0x9000);
  EXPECT_EQ(sw("00E2001004AABBCCDD"), 0x6A84) << "three records at most";
  EXPECT_EQ(sw("00E2011004AABBCCDD"), 0x6A86);
  EXPECT_EQ(fs.records(ctx.persistent(), 0x0101).size(), 3u);
}

TEST_F(FileSystemTest, LinearVariableRecordsWithAPredicate) {
  ASSERT_EQ(sw("00A4010C025000"), 0x9000);
  EXPECT_EQ(sw("00E2001801AA"), 0x6982);
  allowed = true;
  EXPECT_EQ(sw("00E2001801AA"), 0x9000);
  EXPECT_EQ(sw("00E2001809112233445566778899"), 0x6700) << "longer than 8";
  EXPECT_EQ(sw("00E2001803BBCCDD"), 0x9000);
  EXPECT_EQ(run("00B2021C00").data, "BBCCDD");
  EXPECT_EQ(sw("00DC011C01AA"), 0x6982) << "update never";
}

TEST_F(FileSystemTest, CurrentFileIsPerSessionAndContentIsPersistent) {
  ASSERT_EQ(sw("00A4080C0450005001"), 0x9000);
  EXPECT_EQ(sw("00D6000001AB"), 0x9000);
  f.journal.commit();
  SessionState other;
  AppletContext ctx2 = f.ctx(other);
  auto r = fs.process(iso7816::CommandApdu::parse(from_hex("00B0000000")), ctx).value();
  EXPECT_EQ(r.data[0], 0xAB);
  EXPECT_THROW(fs.process(iso7816::CommandApdu::parse(from_hex("00B0000000")), ctx2), iso7816::SwError);
  EXPECT_EQ(f.stored("fs/5001")->reveal()[0], 0xAB);
}

TEST_F(FileSystemTest, NonFileCommandsAreNotHandled) {
  EXPECT_EQ(run("0020008100").data, "not a file system command");
  EXPECT_EQ(run("80B0000000").data, "not a file system command");
}

TEST_F(FileSystemTest, InvalidStructuresAreRefused) {
  FileSpec dup;
  dup.fid = 0x5001;
  EXPECT_THROW(fs.add(kMasterFile, dup), Error);
  FileSpec bad_parent;
  bad_parent.fid = 0x6000;
  EXPECT_THROW(fs.add(0x5001, bad_parent), Error);
  FileSpec sfi_taken;
  sfi_taken.fid = 0x6001;
  sfi_taken.sfi = 1;
  EXPECT_THROW(fs.add(0x5000, sfi_taken), Error);
  FileSpec mf;
  mf.fid = 0x3F00;
  EXPECT_THROW(fs.add(kMasterFile, mf), Error);
}

// Two file systems in one applet keep their own current DF and EF in the same channel session.
TEST_F(FileSystemTest, TwoFileSystemsInOneAppletHaveTheirOwnCurrentFile) {
  FileSystem other;
  FileSpec ef;
  ef.fid = 0x6001;
  ef.size = 3;
  other.add(kMasterFile, ef);
  auto run_other = [&](const std::string& hex) {
    try {
      auto r = other.process(iso7816::CommandApdu::parse(from_hex(hex)), ctx);
      return r ? r->sw : std::uint16_t{0};
    } catch (const iso7816::SwError& e) {
      return e.sw();
    }
  };
  EXPECT_EQ(sw("00A4000C025000"), 0x9000);  // fs: DF 5000 current
  EXPECT_EQ(sw("00A4000C025001"), 0x9000);  // fs: EF 5001 current
  EXPECT_EQ(run_other("00B0000003"), 0x6986) << "no current EF in the other file system";
  EXPECT_EQ(run_other("00A4000C026001"), 0x9000) << "EF 6001 is a child of the other's MF: its current DF is the MF";
  EXPECT_EQ(run_other("00B0000003"), 0x9000);
  EXPECT_EQ(run("00B0000002").data, "0000") << "fs still reads its own current EF 5001";
  EXPECT_EQ(sw("00A4000C026001"), 0x6A82) << "EF 6001 is not in fs";
}

}  // namespace
}  // namespace sesame::card
