// A card whose sealed records fail verification when it is first loaded (an insider edited the
// SQLite file, RT-06): transports still get well-formed answers — the ATR on power-on and reset,
// 6581 (memory failure, ISO/IEC 7816-4 §5.6) to every command — the administration calls throw
// Error(Errc::integrity), nothing is written, and the card loads again once the row is restored.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "../common/expect_errc.h"
#include "card/card_state.h"
#include "store/sqlite_store.h"
#include "test_harness.h"

namespace sesame::card {
namespace {

namespace fs = std::filesystem;

// Raw access to the store's SQLite file, as an insider with write access to it has (the schema is
// the one tests/unit/store/store_harness.h uses: records(card_id, key, version, blob)).
class RawDatabase {
 public:
  explicit RawDatabase(const fs::path& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("raw open failed");
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDatabase() { sqlite3_close(db_); }
  RawDatabase(const RawDatabase&) = delete;
  RawDatabase& operator=(const RawDatabase&) = delete;

  std::optional<Bytes> blob(const std::string& card, const std::string& key) {
    sqlite3_stmt* s = prepare("SELECT blob FROM records WHERE card_id = ? AND key = ?", card, key);
    std::optional<Bytes> out;
    if (sqlite3_step(s) == SQLITE_ROW) {
      auto b = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, 0));
      out = Bytes(b, b + sqlite3_column_bytes(s, 0));
    }
    sqlite3_finalize(s);
    return out;
  }
  void set_blob(const std::string& card, const std::string& key, const Bytes& blob) {
    sqlite3_stmt* s = prepare("UPDATE records SET blob = ?3 WHERE card_id = ?1 AND key = ?2", card, key);
    sqlite3_bind_blob(s, 3, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    done(s);
    if (sqlite3_changes(db_) != 1) throw std::runtime_error("raw update changed no row");
  }
  void erase(const std::string& card, const std::string& key) {
    done(prepare("DELETE FROM records WHERE card_id = ?1 AND key = ?2", card, key));
    if (sqlite3_changes(db_) != 1) throw std::runtime_error("raw delete changed no row");
  }
  int count(const std::string& card) {
    sqlite3_stmt* s = prepare("SELECT count(*) FROM records WHERE card_id = ?1", card, "");
    const int n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
    sqlite3_finalize(s);
    return n;
  }

 private:
  sqlite3_stmt* prepare(const char* sql, const std::string& card, const std::string& key) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("raw prepare: ") + sqlite3_errmsg(db_));
    sqlite3_bind_text(s, 1, card.data(), static_cast<int>(card.size()), SQLITE_TRANSIENT);
    if (sqlite3_bind_parameter_count(s) >= 2)
      sqlite3_bind_blob(s, 2, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
    return s;
  }
  void done(sqlite3_stmt* s) {
    const int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) throw std::runtime_error(std::string("raw step: ") + sqlite3_errmsg(db_));
  }
  sqlite3* db_ = nullptr;
};

class UnloadableCardTest : public ::testing::Test {
 protected:
  UnloadableCardTest() {
    dir = fs::temp_directory_path() /
          ("sesame-unloadable-" + std::to_string(::getpid()) + "-" + to_hex(crypto::random_bytes(4)));
    fs::create_directories(dir);
  }
  ~UnloadableCardTest() override {
    service.reset();
    store.reset();
    raw.reset();
    fs::remove_all(dir);
  }

  void SetUp() override {
    store = store::open_sqlite_store((dir / "cards.db").string(), crypto::random_secret(32));
    raw = std::make_unique<RawDatabase>(dir / "cards.db");
    service = std::make_unique<CardService>(*store, registry);
    seid = service->create_card({"tampered-1", "test"});
    service->install_applet(seid, "test.tx", testing::kTxAid1, {});
    EXPECT_EQ(tx("00A4040007A0000009990101"), from_hex("6F098407A00000099901019000"));
    EXPECT_EQ(tx("8001000003AABBCC"), from_hex("9000"));
  }

  // A restarted server: the next command loads the card from the database again.
  void restart() { service = std::make_unique<CardService>(*store, registry); }
  Bytes tx(const std::string& hex) { return service->transmit(seid, from_hex(hex)); }

  // Flips one bit of a sealed record in the database file; returns the original sealed bytes.
  Bytes tamper(const std::string& key) {
    const auto original = raw->blob(seid, key);
    if (!original) throw std::runtime_error("no row " + key);
    Bytes bad = *original;
    bad[bad.size() / 2] ^= 0x01;
    raw->set_blob(seid, key, bad);
    return *original;
  }

  void expect_unloadable() {
    EXPECT_EQ(service->power_on(seid), sesame_atr());
    EXPECT_EQ(tx("00A4040007A0000009990101"), from_hex("6581"));
    EXPECT_EQ(tx("8005000000"), from_hex("6581"));
    EXPECT_EQ(tx("00"), from_hex("6581")) << "even a malformed APDU: there is no card to parse it";
    EXPECT_EQ(service->reset(seid, true), sesame_atr());
    EXPECT_EQ(service->reset(seid, false), sesame_atr());
    EXPECT_NO_THROW(service->power_off(seid));
    EXPECT_EQ(tx("8005000000"), from_hex("6581")) << "transmit to a card that is off";
    test::expect_errc(Errc::integrity, [&] { service->info(seid); });
    test::expect_errc(Errc::integrity, [&] { service->install_applet(seid, "test.tx", testing::kTxAid2, {}); });
  }

  fs::path dir;
  AppletRegistry registry = testing::test_registry();
  std::unique_ptr<store::Store> store;
  std::unique_ptr<RawDatabase> raw;
  std::unique_ptr<CardService> service;
  std::string seid;
};

TEST_F(UnloadableCardTest, TamperedAppletRecordAnswers6581AndHealsWhenRestored) {
  restart();
  const int rows_before = raw->count(seid);
  const Bytes original = tamper(aid_key_prefix(testing::kTxAid1) + "a");
  const auto state_before = raw->blob(seid, kCardStateKey);
  expect_unloadable();
  EXPECT_EQ(raw->count(seid), rows_before) << "the failed loads wrote nothing";
  EXPECT_EQ(raw->blob(seid, kCardStateKey), state_before) << "the failed loads wrote nothing";

  raw->set_blob(seid, aid_key_prefix(testing::kTxAid1) + "a",
                original);  // the administrator restores the row
  EXPECT_EQ(tx("00A4040007A0000009990101"), from_hex("6F098407A00000099901019000"));
  EXPECT_EQ(tx("8005000000"), from_hex("AABBCC9000"));
}

TEST_F(UnloadableCardTest, TamperedCardStateAnswers6581) {
  restart();
  tamper(std::string(kCardStateKey));
  expect_unloadable();
}

TEST_F(UnloadableCardTest, MissingRecordAnswers6581) {
  restart();
  raw->erase(seid, aid_key_prefix(testing::kTxAid1) + "a");  // the manifest still lists it
  expect_unloadable();
}

TEST_F(UnloadableCardTest, UnknownCardStillThrowsNotFound) {
  test::expect_errc(Errc::not_found, [&] { service->transmit("no-such-card", from_hex("00A4040000")); });
  test::expect_errc(Errc::not_found, [&] { service->power_on("no-such-card"); });
}

}  // namespace
}  // namespace sesame::card
