// HCE cache mode against a real sesamed over RACS (emv_cache_test.py drives it).
//
//   emv_cache_driver profiles DIR
//       makes a test PKI for the test card and writes DIR/profile.hex (the payment applet's install
//       parameters, hex), DIR/renamed.hex (the same card re-personalised with another cardholder
//       name) and DIR/ca.txt (RID, index, modulus, exponent in hex, one a line).
//   emv_cache_driver compare HOST PORT CERT KEY CA DIR SEID_A SEID_B CACHE_FILE
//       fills a cache from card A (thrown away: it spends the ATC the fill spends on B) and one from
//       card B over RACS (saved to CACHE_FILE), then runs the same purchases (offline with CDA,
//       online with CDA) transparently on A and through the cache on B, and prints one line per
//       purchase: "same <name> <round trips transparent> <round trips cached>" or "differ <name>
//       <field>". Exit 0 when every purchase was the same and approved.
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "host/emv/hce_cache.h"
#include "host/emv/issuer_host.h"
#include "host/emv/kernel.h"
#include "host/emv/test_pki.h"
#include "host/racs/racs_reader.h"
#include "util/error.h"
#include "util/hex.h"

namespace {

using namespace sesame;
namespace emv = host::emv;

const SecureBytes& issuer_master_key() {
  static const SecureBytes k(from_hex("0123456789ABCDEFFEDCBA9876543210"));
  return k;
}

iso7816::emv::CardData test_card() {
  iso7816::emv::CardData c;
  c.pan = "5413330089010608";
  c.psn = "01";
  c.expiry = "301231";
  c.effective = "240101";
  return c;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) fail(Errc::io, "cannot write " + path);
}

int profiles(const std::string& dir) {
  const auto pki = emv::make_test_pki(test_card());
  const SecureString p = emv::make_profile_json(test_card(), &pki, issuer_master_key());
  emv::ProfileOptions renamed;
  renamed.name = "OTHER/HOLDER";
  const SecureString r = emv::make_profile_json(test_card(), &pki, issuer_master_key(), renamed);
  write(dir + "/profile.hex", to_hex(as_bytes(p)));
  write(dir + "/renamed.hex", to_hex(as_bytes(r)));
  write(dir + "/ca.txt", to_hex(pki.ca_public.rid) + "\n" + to_hex(Bytes{pki.ca_public.index}) + "\n" +
                             to_hex(pki.ca_public.key.modulus()) + "\n" + to_hex(pki.ca_public.key.public_exponent()) + "\n");
  return 0;
}

emv::CaPublicKey read_ca(const std::string& path) {
  std::ifstream in(path);
  std::string rid, index, n, e;
  if (!(in >> rid >> index >> n >> e)) fail(Errc::parse, "cannot read " + path);
  return {from_hex(rid), from_hex(index).at(0), crypto::RsaPublicKey::from_components(from_hex(n), from_hex(e))};
}

// Which field differs, or "" when the outcomes are the same (the random ICC dynamic number aside).
std::string difference(const emv::Outcome& a, const emv::Outcome& b) {
  if (a.result != b.result) return "result";
  if (a.online != b.online) return "online";
  if (a.cda_verified != b.cda_verified) return "cda";
  if (a.tvr != b.tvr) return "tvr";
  if (a.cid != b.cid) return "cid";
  if (a.cryptogram != b.cryptogram) return "cryptogram";
  if (a.atc != b.atc) return "atc";
  if (a.arc != b.arc) return "arc";
  if (a.card_data != b.card_data) return "card_data";
  return "";
}

int compare(char** a) {
  const std::string host = a[0], dir = a[5], seid_a = a[6], seid_b = a[7], cache_file = a[8];
  host::racs::RacsCredentials creds{a[2], a[3], a[4], ""};
  auto client = std::make_shared<host::racs::RacsClient>(host, static_cast<std::uint16_t>(std::stoi(a[1])),
                                                         host::racs::make_client_tls(creds));
  host::racs::RacsReader card_a(client, seid_a);
  emv::RacsLink link_a(client, seid_a), link_b(client, seid_b);
  card_a.connect();
  link_b.connect();
  emv::HceCache throwaway(link_a), cache(link_b);
  throwaway.fill();
  cache.fill();
  write(cache_file, cache.save());

  emv::TerminalConfig terminal;
  terminal.ca_keys.push_back(read_ca(dir + "/ca.txt"));
  terminal.floor_limit = 10000;
  terminal.tac_online = from_hex("0000008000");
  terminal.tac_denial = from_hex("0400000000");
  auto issuer = std::make_shared<emv::IssuerHost>(issuer_master_key(), 1);
  const emv::OnlineAuthoriser online = [issuer](const emv::AuthorisationRequest& r) {
    return std::optional<emv::AuthorisationResponse>(issuer->authorise(r));
  };
  int status = 0;
  struct Case {
    const char* name;
    std::uint64_t amount;
  };
  for (const Case& c : {Case{"offline-cda", 100}, Case{"online-cda", 20000}}) {
    emv::Transaction txn;
    txn.date = "261208";
    txn.amount = c.amount;
    txn.unpredictable_number = from_hex("A1B2C3D4");
    // Transparent: every APDU is one RACS request (RacsReader::transmit_raw).
    struct Counting final : host::Reader {
      host::Reader& in;
      int n = 0;
      explicit Counting(host::Reader& r) : in(r) {}
      std::string name() const override { return in.name(); }
      Bytes connect() override { return in.connect(); }
      void disconnect() override { in.disconnect(); }
      Bytes reset(bool w) override { return in.reset(w); }
      Bytes transmit_raw(ByteView c) override {
        ++n;
        return in.transmit_raw(c);
      }
    } counted(card_a);
    const auto t = emv::run_transaction(counted, terminal, txn, c.amount >= 10000 ? online : emv::OnlineAuthoriser{});
    const auto rt_before = link_b.round_trips();
    const auto h = emv::run_transaction(cache, terminal, txn, c.amount >= 10000 ? online : emv::OnlineAuthoriser{});
    const auto rt_cached = link_b.round_trips() - rt_before;
    const std::string diff = difference(t, h);
    const bool ok = diff.empty() && t.result == emv::Outcome::Result::approved && t.cda_verified;
    if (diff.empty())
      std::cout << "same " << c.name << " " << counted.n << " " << rt_cached << " "
                << (t.result == emv::Outcome::Result::approved ? "approved" : "not-approved: " + t.reason)
                << (t.cda_verified ? " cda" : " no-cda") << "\n";
    else
      std::cout << "differ " << c.name << " " << diff << " (" << t.reason << " / " << h.reason << ")\n";
    if (!ok) status = 1;
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string verb = argc > 1 ? argv[1] : "";
    if (verb == "profiles" && argc == 3) return profiles(argv[2]);
    if (verb == "compare" && argc == 11) return compare(argv + 2);
    std::cerr << "usage: emv_cache_driver profiles DIR | compare HOST PORT CERT KEY CA DIR SEID_A SEID_B CACHE_FILE\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "emv_cache_driver: " << e.what() << "\n";
    return 1;
  }
}
