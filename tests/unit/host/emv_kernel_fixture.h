// A hosted card with the PPSE and the payment applet personalised from host/emv's test PKI, read
// by the POS kernel through an InProcessReader (optionally one that alters responses).
#pragma once

#include <gtest/gtest.h>

#include <functional>

#include "applets/builtin.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "host/emv/issuer_host.h"
#include "host/emv/kernel.h"
#include "host/emv/test_pki.h"
#include "host/in_process_reader.h"
#include "store/memory_store.h"
#include "util/hex.h"

namespace sesame::host::emv::testing {

inline iso7816::emv::CardData test_card() {
  iso7816::emv::CardData c;
  c.pan = "5413330089010608";
  c.psn = "01";
  c.expiry = "301231";
  c.effective = "240101";
  return c;
}

// One PKI per test binary (RSA key generation is slow under the sanitizers).
inline const TestPki& shared_pki() {
  static const TestPki pki = make_test_pki(test_card());
  return pki;
}

inline const SecureBytes& issuer_master_key() {
  static const SecureBytes k(from_hex("0123456789ABCDEFFEDCBA9876543210"));
  return k;
}

// A reader that lets a test change what the card answers (a man in the middle, a broken card).
class AlteringReader final : public Reader {
 public:
  using Hook = std::function<void(ByteView command, Bytes& response)>;
  AlteringReader(Reader& inner, Hook hook) : inner_(inner), hook_(std::move(hook)) {}
  std::string name() const override { return "altering " + inner_.name(); }
  Bytes connect() override { return inner_.connect(); }
  void disconnect() override { inner_.disconnect(); }
  Bytes reset(bool warm) override { return inner_.reset(warm); }
  Bytes transmit_raw(ByteView command) override {
    Bytes r = inner_.transmit_raw(command);
    hook_(command, r);
    return r;
  }

 private:
  Reader& inner_;
  Hook hook_;
};

class KernelFixture {
 public:
  explicit KernelFixture(const ProfileOptions& options = {}, const iso7816::emv::CardData& card = test_card())
      : store(store::open_memory_store(crypto::random_secret(32))),
        registry(applets::builtin_registry()),
        cards(*store, registry) {
    seid = cards.create_card({"emv-card", ""});
    cards.install_applet(seid, "sesame.emv.ppse", Bytes{'2', 'P', 'A', 'Y', '.', 'S', 'Y', 'S', '.', 'D', 'D', 'F', '0', '1'}, {});
    const SecureString profile = make_profile_json(card, &shared_pki(), issuer_master_key(), options);
    cards.install_applet(seid, "sesame.emv.payment", from_hex("A0000000041010"), as_bytes(profile));
    terminal.ca_keys.push_back(shared_pki().ca_public);
    terminal.floor_limit = 10000;
    terminal.tac_online = from_hex("0000008000");  // floor limit exceeded -> online
    terminal.tac_denial = from_hex("0400000000");  // CDA failed -> decline
    txn.date = "261207";
    txn.amount = 100;
  }

  Outcome run(Reader& r, OnlineAuthoriser online = {}) { return run_transaction(r, terminal, txn, online); }
  Outcome run(OnlineAuthoriser online = {}) {
    InProcessReader reader(cards, seid);
    return run(reader, std::move(online));
  }
  OnlineAuthoriser issuer(int method = 1) {
    auto host = std::make_shared<IssuerHost>(issuer_master_key(), method);
    return [host](const AuthorisationRequest& r) { return std::optional<AuthorisationResponse>(host->authorise(r)); };
  }

  std::unique_ptr<store::Store> store;
  card::AppletRegistry registry;
  card::CardService cards;
  std::string seid;
  TerminalConfig terminal;
  Transaction txn;
};

}  // namespace sesame::host::emv::testing
