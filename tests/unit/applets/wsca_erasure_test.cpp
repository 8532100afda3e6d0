// Secure erasure (docs/WSCA.md, "Records and erasure"), on a real SQLite store: a unit's private
// keys are wrapped under its key-encryption key (kek); DELETE KEY erases the wrapped key and
// DELETE UNIT erases every record of the unit, the kek with it (crypto-erase). The test reads the
// key material the applet stored (through the store, with the master key: what a thief holding
// both would get), then deletes, closes the store (checkpointing the WAL) and scans the raw
// database files for the private scalars, the kek, and the sealed rows that held them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "applets/wsca/wsca_records.h"
#include "card/card_service.h"
#include "card/card_state.h"
#include "card/record_journal.h"
#include "store/sqlite_backend.h"
#include "store/sqlite_store.h"
#include "util/hex.h"
#include "wsca_fixture.h"

namespace sesame::applets::wsca::testing {
namespace {

namespace fs = std::filesystem;
constexpr const char* kCardId = "wsca-erasure-7d1f";

Bytes read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
bool contains(const Bytes& hay, ByteView needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

class WscaErasureTest : public ::testing::Test, public WscaDriver {
 protected:
  WscaErasureTest() {
    dir = fs::temp_directory_path() /
          ("sesame-wsca-erase-" + std::to_string(::getpid()) + "-" + to_hex(crypto::random_bytes(4)));
    fs::create_directories(dir);
    db = dir / "cards.db";
    master = crypto::random_secret(32);
    open();
    service->create_card({kCardId, ""});
    service->install_applet(kCardId, kModuleName, aid, {});
    select(0);
  }
  ~WscaErasureTest() override {
    close();
    fs::remove_all(dir);
  }
  Bytes transmit(ByteView apdu) override { return service->transmit(kCardId, apdu); }
  void open() {
    store = store::open_sqlite_store(db.string(), master);
    service = std::make_unique<card::CardService>(*store, registry);
  }
  void close() {  // closing the last connection checkpoints the WAL into the main file
    service.reset();
    store.reset();
  }

  // The unit's secrets as the applet stored them, read through the store with the master key (what
  // a thief holding the database and the key file would get), and the raw sealed rows holding them.
  struct Secrets {
    SecureBytes kek;
    std::map<std::uint32_t, SecureBytes> scalars;
    std::map<std::string, Bytes> sealed_rows;  // record key -> iv || ciphertext || tag
  };
  Secrets secrets_of(std::uint32_t unit) {
    Secrets s;
    auto cs = store->open_card(kCardId);
    card::RecordJournal journal(*cs);
    journal.load();
    const std::string prefix = card::aid_key_prefix(aid);
    card::Persistent p(journal, prefix);
    s.kek = *p.get(unit_prefix(unit) + "kek");
    for (auto k : key_ids(p, unit)) s.scalars.emplace(k, unwrap_key(p, unit, k).reveal_scalar());
    store::SqliteBackend raw(db.string(), {});
    for (const auto& [key, rec] : raw.load_records(kCardId))
      if (key.starts_with(prefix + unit_prefix(unit))) s.sealed_rows.emplace(key, rec.blob);
    return s;
  }
  Bytes all_files() const {
    Bytes all;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      const fs::path p = db.string() + suffix;
      if (fs::exists(p)) append(all, read_file(p));
    }
    EXPECT_TRUE(contains(all, as_bytes(kCardId))) << "the card id is not in the files searched: wrong files?";
    return all;
  }

  fs::path dir, db;
  SecureBytes master;
  card::AppletRegistry registry = builtin_registry();
  std::unique_ptr<store::Store> store;
  std::unique_ptr<card::CardService> service;
  crypto::EcPrivateKey device = crypto::EcPrivateKey::generate(crypto::Curve::p256);
};

TEST_F(WscaErasureTest, DeletedKeysAndUnitsLeaveNothingInTheDatabaseFiles) {
  const std::uint32_t unit = active_unit(device);
  const std::uint32_t k1 = key_id(generate(unit, CurveCode::p256));
  const std::uint32_t k2 = key_id(generate(unit, CurveCode::p384));
  const std::uint32_t other = active_unit(device);
  const std::uint32_t k_other = key_id(generate(other));

  const Secrets before = secrets_of(unit);
  ASSERT_EQ(before.scalars.size(), 2u);
  const std::string prefix = card::aid_key_prefix(aid) + unit_prefix(unit);
  ASSERT_TRUE(before.sealed_rows.contains(prefix + "kek"));
  {  // The sealed rows are really in the files: their absence later means something.
    close();
    const Bytes files = all_files();
    for (const auto& [key, blob] : before.sealed_rows) EXPECT_TRUE(contains(files, blob)) << key;
    open();
    select(0);
    ASSERT_EQ(authenticate(unit, device, "123456"), 0x9000);
  }

  // DELETE KEY: the key's wrapped record goes; the kek stays (the unit's other key needs it).
  ASSERT_EQ(sw(Ins::delete_key, unit_key(unit, k1)), 0x9000);
  close();
  {
    const Bytes files = all_files();
    EXPECT_FALSE(contains(files, before.scalars.at(k1).view())) << "private key";
    EXPECT_FALSE(contains(
        files, before.sealed_rows.at(prefix + key_record(unit, k1).substr(unit_prefix(unit).size()))))
        << "the deleted key's sealed row";
    EXPECT_TRUE(contains(files, before.sealed_rows.at(prefix + "kek"))) << "the kek is still in use";
  }

  // DELETE UNIT: every record of the unit, the kek with it: crypto-erase of everything it wrapped.
  open();
  select(0);
  ASSERT_EQ(authenticate(unit, device, "123456"), 0x9000);
  ASSERT_EQ(sw(Ins::delete_unit, unit_field(unit)), 0x9000);
  close();
  {
    const Bytes files = all_files();
    EXPECT_FALSE(contains(files, before.kek.view())) << "kek";
    for (const auto& [k, scalar] : before.scalars)
      EXPECT_FALSE(contains(files, scalar.view())) << "private key " << k;
    for (const auto& [key, blob] : before.sealed_rows)
      EXPECT_FALSE(contains(files, blob)) << "sealed row " << key;
  }
  // The other unit is intact.
  open();
  select(0);
  ASSERT_EQ(authenticate(other, device, "123456"), 0x9000);
  EXPECT_EQ(sign(other, k_other, Bytes(32, 9)).sw, 0x9000);
  EXPECT_EQ(sw(Ins::get_unit_info, unit_field(unit)), 0x6A88);
  (void)k2;
}

}  // namespace
}  // namespace sesame::applets::wsca::testing
