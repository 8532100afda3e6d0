// RT-11 (docs/THREATS.md): a database thief reads the SQLite files, not the master key file. A card
// with the demo applet gets a new PIN through CHANGE REFERENCE DATA, a custom PUK, secret file
// content and a record; then the raw bytes of the .db, -wal and -shm files are searched for every
// encoding in which an applet could have stored those secrets, and for the master key. The card id
// must be found, so the search is known to read the right files. (Here rather than under card/ or
// store/: it needs the demo applet, and applets_test is the binary that links it.)
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "applets/builtin.h"
#include "applets/demo/demo_applet.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "iso7816/apdu.h"
#include "store/master_key.h"
#include "store/sqlite_store.h"
#include "util/hex.h"

namespace sesame::applets {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCardId = "rt11-card-5e3c9a";
constexpr const char* kNewPin = "86420975";
constexpr const char* kPuk = "27182818";
// Exactly 32 bytes: the size of EF 0102.
constexpr const char* kFileContent = "RT-11 canary: EF 0102 secret 32!";
constexpr const char* kRecord = "RT-11 canary record in EF 0103";

Bytes ascii(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

// Every form in which a PIN of decimal digits is commonly kept.
std::vector<std::pair<std::string, Bytes>> pin_encodings(const std::string& digits) {
  std::vector<std::pair<std::string, Bytes>> out;
  out.emplace_back("ASCII", ascii(digits));
  Bytes piv = ascii(digits);  // NIST SP 800-73-4 §3.2.1: ASCII digits, FF padding to 8 bytes
  piv.resize(8, 0xFF);
  out.emplace_back("ASCII FF-padded (PIV)", piv);
  Bytes runtime{static_cast<std::uint8_t>(digits.size())};  // PinObject's comparison block
  append(runtime, ascii(digits));
  runtime.resize(17, 0xFF);
  out.emplace_back("length || ASCII || FF (PinObject)", runtime);
  Bytes bcd;  // packed BCD, F-filled
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    const int hi = digits[i] - '0';
    const int lo = i + 1 < digits.size() ? digits[i + 1] - '0' : 0xF;
    bcd.push_back(static_cast<std::uint8_t>((hi << 4) | lo));
  }
  out.emplace_back("packed BCD", bcd);
  Bytes block{
      static_cast<std::uint8_t>(0x20 | digits.size())};  // ISO 9564-1 format 2 / EMV plaintext PIN block
  append(block, bcd);
  block.resize(8, 0xFF);
  out.emplace_back("ISO 9564-1 format 2 block", block);
  Bytes nibbles;  // one digit value per byte
  for (char c : digits) nibbles.push_back(static_cast<std::uint8_t>(c - '0'));
  out.emplace_back("digit per byte", nibbles);
  Bytes utf16;
  for (char c : digits) {
    utf16.push_back(static_cast<std::uint8_t>(c));
    utf16.push_back(0x00);
  }
  out.emplace_back("UTF-16LE", utf16);
  return out;
}

bool contains(const Bytes& hay, const Bytes& needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

Bytes read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class SecretsAtRestTest : public ::testing::Test {
 protected:
  SecretsAtRestTest() {
    dir = fs::temp_directory_path() /
          ("sesame-rt11-" + std::to_string(::getpid()) + "-" + to_hex(crypto::random_bytes(4)));
    fs::create_directories(dir);
    db = dir / "cards.db";
  }
  ~SecretsAtRestTest() override { fs::remove_all(dir); }

  std::uint16_t sw(const std::string& hex) {
    return iso7816::ResponseApdu::parse(service->transmit(kCardId, from_hex(hex))).sw;
  }
  Bytes data(const std::string& hex) {
    auto r = iso7816::ResponseApdu::parse(service->transmit(kCardId, from_hex(hex)));
    EXPECT_EQ(r.sw, 0x9000) << hex;
    return r.data;
  }

  // The database files as they are on disk now (the -wal and -shm files exist while it is open).
  std::vector<std::pair<std::string, Bytes>> database_files() const {
    std::vector<std::pair<std::string, Bytes>> out;
    for (const char* suffix : {"", "-wal", "-shm"}) {
      const fs::path p = db.string() + suffix;
      if (fs::exists(p)) out.emplace_back(p.filename().string(), read_file(p));
    }
    return out;
  }

  void expect_no_secret_in_database(const std::string& when) {
    SCOPED_TRACE(when);
    std::vector<std::pair<std::string, Bytes>> secrets;
    for (auto& [how, b] : pin_encodings(kNewPin)) secrets.emplace_back("PIN as " + how, b);
    for (auto& [how, b] : pin_encodings(kPuk)) secrets.emplace_back("PUK as " + how, b);
    secrets.emplace_back("EF 0102 content", ascii(kFileContent));
    secrets.emplace_back("EF 0103 record", ascii(kRecord));
    secrets.emplace_back("master key", master_key.reveal());

    const auto files = database_files();
    ASSERT_FALSE(files.empty());
    Bytes all;
    for (const auto& [name, bytes] : files) {
      append(all, bytes);
      for (const auto& [what, secret] : secrets)
        EXPECT_FALSE(contains(bytes, secret)) << what << " found in " << name;
    }
    EXPECT_TRUE(contains(all, ascii(kCardId))) << "the card id is not in the files searched: wrong files?";
  }

  fs::path dir, db;
  SecureBytes master_key;
  card::AppletRegistry registry = builtin_registry();
  std::unique_ptr<store::Store> store;
  std::unique_ptr<card::CardService> service;
};

TEST_F(SecretsAtRestTest, PinPukFileContentAndMasterKeyNeverReachTheDatabaseFiles) {
  const fs::path key_file = dir / "master.key";
  master_key = store::load_or_create_master_key(key_file.string());
  ASSERT_EQ(master_key.size(), 32u);
  ASSERT_EQ(read_file(key_file), master_key.reveal()) << "the key searched for is the one in the key file";
  store = store::open_sqlite_store(db.string(), master_key);
  service = std::make_unique<card::CardService>(*store, registry);
  ASSERT_EQ(service->create_card({kCardId, "RT-11"}), kCardId);
  // Install parameter '82': the PUK.
  service->install_applet(kCardId, demo::kModuleName, demo::module().default_instance_aid,
                          from_hex("8208" + to_hex(ascii(kPuk))));

  ASSERT_EQ(sw("00A4040C08F0534553414D4501"), 0x9000);
  // CHANGE REFERENCE DATA: old "1234" FF-padded || new PIN (8 digits: no padding).
  ASSERT_EQ(sw("0024008110"
               "31323334FFFFFFFF" +
               to_hex(ascii(kNewPin))),
            0x9000);
  ASSERT_EQ(sw("0020008108" + to_hex(ascii(kNewPin))), 0x9000);
  ASSERT_EQ(sw("00D6820020" + to_hex(ascii(kFileContent))), 0x9000);
  const Bytes record = ascii(kRecord);
  ASSERT_EQ(sw("00E20018" + to_hex(Bytes{static_cast<std::uint8_t>(record.size())}) + to_hex(record)),
            0x9000);
  // The secrets are really on the card (so their absence from the files means something).
  EXPECT_EQ(data("00B0820000"), ascii(kFileContent));
  EXPECT_EQ(data("00B2011C00"), record);
  ASSERT_EQ(sw("002C018108" + to_hex(ascii(kPuk))), 0x9000) << "the PUK was stored";

  expect_no_secret_in_database("while the store is open (WAL not checkpointed)");

  // After a restart the card comes back from those same files with its secrets.
  service.reset();
  store.reset();  // closing checkpoints the WAL into the main file
  expect_no_secret_in_database("after the store was closed");
  store = store::open_sqlite_store(db.string(), master_key);
  service = std::make_unique<card::CardService>(*store, registry);
  ASSERT_EQ(sw("00A4040C08F0534553414D4501"), 0x9000);
  ASSERT_EQ(sw("0020008108" + to_hex(ascii(kNewPin))), 0x9000);
  EXPECT_EQ(data("00B0820000"), ascii(kFileContent));
}

}  // namespace
}  // namespace sesame::applets
