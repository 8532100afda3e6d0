// No PIN or key bytes in exception texts (docs/THREATS.md RT-16): every exception the PIN paths
// (VERIFY with a wrong PIN, with the right one while the store fails, CHANGE, set) and the store
// (a tampered record, a wrong master key) throw is caught and its what() searched for the secret
// as raw bytes and as hex in both cases.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

#include "card/card_state.h"
#include "card/pin.h"
#include "context_fixture.h"
#include "store/sqlite_store.h"
#include "test_harness.h"
#include "util/hex.h"

namespace sesame::card {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Fails if `text` contains `secret` raw, as upper-case hex or as lower-case hex.
void expect_free_of(const std::string& text, ByteView secret, const char* what) {
  const std::string raw(secret.begin(), secret.end());
  const std::string hex = to_hex(secret);
  EXPECT_EQ(text.find(raw), std::string::npos) << what << " in: " << text;
  EXPECT_EQ(text.find(hex), std::string::npos) << what << " (hex) in: " << text;
  EXPECT_EQ(text.find(lower(hex)), std::string::npos) << what << " (hex) in: " << text;
}

// Runs f, which must throw; returns the exception's what().
template <class F>
std::string thrown_text(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  ADD_FAILURE() << "nothing was thrown";
  return {};
}

const std::string kPin = "73915824";
const std::string kNewPin = "60482157";
const std::string kWrongPin = "51730946";

TEST(SecretErrorText, PinPathsNeverNameTheirValues) {
  testing::ContextFixture f;
  const PinObject pin("pin", {.min_length = 4, .max_length = 8, .digits_only = true, .try_limit = 3});
  {
    auto ctx = f.ctx();
    pin.set(ctx.persistent(), as_bytes(kPin));
    f.journal.commit();
  }
  std::vector<std::string> texts;
  auto ctx = f.ctx();
  texts.push_back(thrown_text([&] { pin.verify(ctx, as_bytes(kWrongPin)); }));                   // 63C2
  texts.push_back(thrown_text([&] { pin.change(ctx, as_bytes(kWrongPin), as_bytes(kNewPin)); }));  // 63C1
  texts.push_back(thrown_text([&] { pin.set(ctx.persistent(), as_bytes("12x4")); }));              // 6A80
  // The right PIN while the store fails: the decrement (put_now) throws StoreFailure.
  f.faults->fail_all_commits = true;
  texts.push_back(thrown_text([&] { pin.verify(ctx, as_bytes(kPin)); }));
  texts.push_back(thrown_text([&] { pin.change(ctx, as_bytes(kPin), as_bytes(kNewPin)); }));
  texts.push_back(thrown_text([&] { pin.reset(ctx, as_bytes(kNewPin)); f.journal.commit(); }));
  f.faults->fail_all_commits = false;
  EXPECT_EQ(f.faults->injected.load(), 3) << "every store path above was really taken";
  for (const auto& t : texts) {
    expect_free_of(t, as_bytes(kPin), "the PIN");
    expect_free_of(t, as_bytes(kNewPin), "the new PIN");
    expect_free_of(t, as_bytes(kWrongPin), "the candidate");
  }
}

class SecretErrorTextStore : public ::testing::Test {
 protected:
  SecretErrorTextStore() {
    dir = fs::temp_directory_path() /
          ("sesame-secret-text-" + std::to_string(::getpid()) + "-" + to_hex(crypto::random_bytes(4)));
    fs::create_directories(dir);
  }
  ~SecretErrorTextStore() override {
    service.reset();
    store.reset();
    fs::remove_all(dir);
  }
  std::string db() const { return (dir / "cards.db").string(); }
  // Overwrites a record's sealed bytes with zeros of the same length, as an insider could.
  void zero_record(const std::string& key) {
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(db().c_str(), &h), SQLITE_OK);
    const std::string sql = "UPDATE records SET blob = zeroblob(length(blob)) WHERE key = X'" +
                            to_hex(as_bytes(key)) + "'";
    EXPECT_EQ(sqlite3_exec(h, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
    EXPECT_EQ(sqlite3_changes(h), 1);
    sqlite3_close(h);
  }

  fs::path dir;
  AppletRegistry registry = testing::test_registry();
  std::unique_ptr<store::Store> store;
  std::unique_ptr<CardService> service;
};

TEST_F(SecretErrorTextStore, TamperedRecordAndWrongMasterKeyNeverNameValuesOrKeys) {
  const SecureBytes master = crypto::random_secret(32);
  const Bytes secret = from_hex("5EC12E7A11CE0FF1CE5EC12E7A11CE0F");
  store = store::open_sqlite_store(db(), master);
  service = std::make_unique<CardService>(*store, registry);
  const std::string seid = service->create_card({"secret-text", "t"});
  service->install_applet(seid, "test.tx", testing::kTxAid1, {});
  auto tx = [&](const std::string& hex) { return to_hex(service->transmit(seid, from_hex(hex))); };
  ASSERT_EQ(tx("00A4040C07A0000009990101"), "9000");
  ASSERT_EQ(tx("8001000010" + to_hex(secret)), "9000");  // record "a" = secret
  ASSERT_EQ(tx("8005000000"), to_hex(secret) + "9000");

  std::vector<std::string> texts;
  // A wrong master key.
  texts.push_back(thrown_text([&] {
    auto other = store::open_sqlite_store(db(), crypto::random_secret(32));
    other->open_card(seid)->load();
  }));
  // A tampered record, seen by the store and by the card runtime's administration calls.
  service.reset();
  zero_record(aid_key_prefix(testing::kTxAid1) + "a");
  texts.push_back(thrown_text([&] { store->open_card(seid)->load(); }));
  service = std::make_unique<CardService>(*store, registry);
  texts.push_back(thrown_text([&] { service->info(seid); }));
  texts.push_back(thrown_text([&] { service->install_applet(seid, "test.tx", testing::kTxAid2, {}); }));
  EXPECT_EQ(tx("8005000000"), "6581");
  for (const auto& t : texts) {
    EXPECT_FALSE(t.empty());
    expect_free_of(t, secret, "the record's value");
    expect_free_of(t, master.view(), "the master key");
  }
  EXPECT_NE(texts[1].find(aid_key_prefix(testing::kTxAid1) + "a"), std::string::npos)
      << "the integrity error names the record: " << texts[1];
}

}  // namespace
}  // namespace sesame::card
