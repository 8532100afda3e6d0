// A real SQLite state dir (as sesamed makes it) holding the demo card plus two cards that cannot
// load: "tampered", one of whose sealed records had a byte flipped in the database, the way
// someone with write access to the file would (detected: Errc::integrity), and "orphan", which
// needs an applet module sesamed's registry does not have (Errc::state).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "applets/builtin.h"
#include "card/applet.h"
#include "card/applet_registry.h"
#include "card/card_service.h"
#include "iso7816/status_word.h"
#include "server/config.h"
#include "server/demo_cards.h"
#include "server/local_state.h"
#include "store/backend.h"
#include "store/manifest.h"
#include "store/master_key.h"
#include "store/sqlite_backend.h"
#include "store/sqlite_store.h"
#include "util/hex.h"

namespace sesame::server::test {

class NullApplet final : public card::Applet {
 public:
  iso7816::ResponseApdu process(const iso7816::CommandApdu& a, card::AppletContext& ctx) override {
    if (ctx.selecting()) return card::default_select_response(a, ctx.instance_aid());
    iso7816::throw_sw(iso7816::Sw::ins_not_supported);
  }
};

class BrokenCardsStateDir {
 public:
  BrokenCardsStateDir() {
    char tmpl[] = "/tmp/sesame-broken-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    {
      LocalState local(dir_, ServerConfig{}, /*create=*/true);
      create_demo_cards(local.cards());
      local.cards().create_card({"tampered", ""});
      local.cards().install_applet("tampered", "sesame.demo", from_hex("F0534553414D4501"), {});
    }
    {
      // "orphan": installed through a registry that knows one more module than sesamed's.
      auto store = store::open_sqlite_store((dir_ / "sesame.db").string(),
                                            store::load_or_create_master_key((dir_ / "master.key").string()));
      card::AppletRegistry registry = applets::builtin_registry();
      registry.add(card::AppletModule{"test.gone", from_hex("F0534553410E0E"), from_hex("F0534553410E0E00"),
                                      from_hex("F0534553410E0E01"), false,
                                      [] { return std::make_unique<NullApplet>(); }});
      card::CardService cards(*store, registry);
      cards.create_card({"orphan", ""});
      cards.install_applet("orphan", "test.gone", from_hex("F0534553410E0E01"), {});
    }
    {
      store::SqliteBackend backend((dir_ / "sesame.db").string(), store::SqliteOptions{});
      auto rows = backend.load_records("tampered");
      for (auto& [key, rec] : rows) {
        if (key == store::kManifestKey) continue;
        rec.blob[rec.blob.size() / 2] ^= 0x01;
        backend.commit(store::CardWrite{"tampered", store::kManifestKey, std::nullopt, {{key, rec}}, 0});
        break;
      }
    }
  }
  ~BrokenCardsStateDir() { std::filesystem::remove_all(dir_); }
  BrokenCardsStateDir(const BrokenCardsStateDir&) = delete;
  BrokenCardsStateDir& operator=(const BrokenCardsStateDir&) = delete;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace sesame::server::test
