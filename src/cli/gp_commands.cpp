#include "cli/gp_commands.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "card/card_service.h"
#include "cli/card_target.h"
#include "cli/life_cycle_names.h"
#include "cli/reader_commands.h"
#include "crypto/any_key.h"
#include "host/gp/delegated_management.h"
#include "host/gp/get_status.h"
#include "host/gp/install.h"
#include "host/gp/put_key.h"
#include "host/gp/scp03_session.h"
#include "host/gp/set_status.h"
#include "host/gp/store_data.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/hex.h"
#include "util/tlv.h"

namespace sesame::cli {

struct GpCommands::Options {
  CLI::App* gp = nullptr;
  CLI::App* list = nullptr;
  CLI::App* info = nullptr;
  CLI::App* put_key = nullptr;
  CLI::App* lock = nullptr;
  CLI::App* unlock = nullptr;
  CLI::App* lock_card = nullptr;
  CLI::App* unlock_card = nullptr;
  std::string app_aid, load_file, module_aid, params;
  CLI::App* install = nullptr;
  CLI::App* remove = nullptr;
  CLI::App* personalise = nullptr;
  CLI::App* get_data = nullptr;
  CLI::App* store_data = nullptr;
  std::string dgi_file, iin, cin;
  std::vector<std::string> get_data_words;
  std::string new_kvn, replace_kvn = "00", new_enc, new_mac, new_dek;
  std::string seid, url, pcsc, cert, key, ca, pin_sha256;
  std::string key_enc, key_mac, key_dek;
  std::string kvn = "00", level = "01";
  // Security domains and delegated management (docs/GP.md).
  CLI::App* install_sd = nullptr;
  CLI::App* extradite = nullptr;
  CLI::App* put_dm_keys = nullptr;
  std::string sd, privileges = "80", to_sd, token_key, receipt_key;
  bool replace_dm_keys = false;
  bool s16 = false;
  int timeout_ms = 15000;
};

namespace {

namespace gp = host::gp;
namespace scp03 = iso7816::scp03;

std::uint8_t hex_byte(const std::string& text, const char* what) {
  const Bytes b = from_hex(text);
  if (b.size() != 1) fail(Errc::invalid_argument, std::string(what) + " is one byte in hex, e.g. 30");
  return b[0];
}

SecureBytes key_or_default(const std::string& hex) {
  if (hex.empty()) return gp::test_keys().enc;
  SecureBytes k(from_hex(hex));
  if (k.size() != 16 && k.size() != 24 && k.size() != 32) fail(Errc::invalid_argument, "SCP03 keys are 16, 24 or 32 bytes");
  return k;
}

void print_registry(gp::Scp03Session& s) {
  for (const auto& e : gp::get_status(s, gp::StatusScope::isd))
    std::cout << "ISD: " << to_hex(e.aid) << " " << card_life_cycle_name(e.life_cycle) << "\n"
              << "     Privileges: " << to_hex(e.privileges) << "\n";
  for (const auto& e : gp::get_status(s, gp::StatusScope::applications)) {
    std::cout << "APP: " << to_hex(e.aid) << " " << applet_life_cycle_name(e.life_cycle) << "\n"
              << "     Privileges: " << to_hex(e.privileges) << "\n";
    if (!e.load_file_aid.empty()) std::cout << "     Load file:  " << to_hex(e.load_file_aid) << "\n";
    if (!e.security_domain_aid.empty()) std::cout << "     Security domain: " << to_hex(e.security_domain_aid) << "\n";
  }
  for (const auto& e : gp::get_status(s, gp::StatusScope::load_files_and_modules)) {
    std::cout << "PKG: " << to_hex(e.aid) << " " << (e.life_cycle == 0x01 ? "LOADED (01)" : "unknown") << "\n";
    for (const auto& m : e.modules) std::cout << "     Module: " << to_hex(m) << "\n";
  }
}

// GET DATA names (docs/GP.md): the ISD's data objects.
struct DataObject {
  const char* name;
  std::uint16_t tag;
  const char* label;
};
constexpr DataObject kDataObjects[] = {
    {"iin", 0x0042, "IIN"},  {"cin", 0x0045, "CIN"},       {"cplc", 0x9F7F, "CPLC"},
    {"seq", 0x00C1, "Sequence counter"}, {"keys", 0x00E0, "Key information"}, {"card-data", 0x0066, "Card data"},
};

void print_data(host::Reader& reader, const std::string& item) {
  for (const auto& d : kDataObjects) {
    if (item != "all" && item != d.name) continue;
    try {
      const Bytes value = gp::get_data(reader, d.tag);
      std::cout << d.label << ": " << to_hex(value) << "\n";
    } catch (const Error& e) {
      if (e.code() != Errc::not_found || item != "all") throw;
      std::cout << d.label << ": (not set)\n";
    }
    if (item != "all") return;
  }
  if (item == "all") return;
  const Bytes tag = from_hex(item);  // any other data object by its tag, e.g. 9F7F
  if (tag.size() != 2) fail(Errc::invalid_argument, "get-data: iin, cin, cplc, seq, keys, card-data, all or a 2-byte tag in hex");
  std::cout << to_hex(gp::get_data(reader, static_cast<std::uint16_t>(tag[0] << 8 | tag[1]))) << "\n";
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(Errc::not_found, "cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

crypto::EcPrivateKey owner_key(const std::string& path) {
  const std::string pem = read_text_file(path);
  const crypto::PrivateKey k = crypto::private_key_from_pem(SecureBytes(as_bytes(pem)));
  const auto* ec = std::get_if<crypto::EcPrivateKey>(&k);
  if (!ec || ec->curve() != crypto::Curve::p256) fail(Errc::invalid_argument, "--token-key: a P-256 private key (PKCS#8 PEM)");
  return *ec;
}

// A delegated command (INSTALL / DELETE / extradition through an SSD with Delegated Management):
// the ISD owner's token for the card's next confirmation counter, the command, and the receipt
// checked with --receipt-key when given.
void run_delegated(gp::Scp03Session& s, const gp::DelegatedCommand& c, const GpCommands::Options& o, std::uint16_t counter) {
  const Bytes cud = s.key_diversification_data();
  const auto conf = gp::run_delegated(s, c, gp::make_token(owner_key(o.token_key), c, static_cast<std::uint16_t>(counter + 1), cud));
  std::cout << "receipt " << to_hex(conf.receipt) << ", confirmation counter " << conf.counter;
  if (!o.receipt_key.empty()) {
    gp::verify_receipt(from_hex(o.receipt_key), c, conf, static_cast<std::uint16_t>(counter + 1), cud);
    std::cout << " (receipt verified)";
  }
  std::cout << "\n";
}

void print_info(gp::Scp03Session& s) {
  std::cout << "Key version:       " << to_hex(Bytes{s.key_version()}) << "\n"
            << "SCP03 i:           " << to_hex(Bytes{s.i_parameter()}) << "\n"
            << "Security level:    " << to_hex(Bytes{s.security_level()}) << "\n"
            << "Sequence counter:  " << s.sequence_counter() << "\n"
            << "KDD:               " << to_hex(s.key_diversification_data()) << "\n";
  const auto ki = s.transmit({0x80, 0xCA, 0x00, 0xE0, {}, 256, false});
  if (ki.ok()) std::cout << "Key information:   " << to_hex(ki.data) << "\n";
}

}  // namespace

GpCommands::GpCommands(CLI::App& app) : o_(std::make_unique<Options>()) {
  Options& o = *o_;
  o.gp = app.add_subcommand("gp", "GlobalPlatform card management over SCP03 (docs/GP.md)");
  o.gp->require_subcommand(1);
  o.gp->fallthrough();
  o.gp->add_option("--url", o.url, "a remote card: racs://host:port/SEID (instead of SEID in the state dir)");
  o.gp->add_option("--pcsc", o.pcsc, "a card in this PC/SC reader (instead of SEID in the state dir)");
  o.gp->add_option("--cert", o.cert, "RACS client certificate PEM (default: <state-dir>/pki/admin.pem)");
  o.gp->add_option("--key", o.key, "its private key PEM (default: <state-dir>/pki/admin.key)");
  o.gp->add_option("--ca", o.ca, "pin the RACS server's CA (default: <state-dir>/pki/ca.pem)");
  o.gp->add_option("--pin-sha256", o.pin_sha256, "pin the RACS server certificate: SHA-256 of its DER in hex");
  o.gp->add_option("--timeout-ms", o.timeout_ms, "RACS: timeout of each network step")->capture_default_str();
  o.gp->add_option("--key-enc", o.key_enc, "K-ENC in hex (default: the GP test key 404142..4F)");
  o.gp->add_option("--key-mac", o.key_mac, "K-MAC in hex (default: the GP test key)");
  o.gp->add_option("--key-dek", o.key_dek, "K-DEK in hex (default: the GP test key)");
  o.gp->add_option("--kvn", o.kvn, "key version number in hex (00: the card's first key set)")->capture_default_str();
  o.gp->add_option("--level", o.level, "security level in hex: 00 01 03 11 13 31 33")->capture_default_str();
  o.gp->add_flag("--s16", o.s16, "S16 mode (16-byte challenges, cryptograms and MACs)");
  o.gp->add_option("--sd", o.sd, "open the secure channel with this security domain (default: the ISD)");
  o.gp->add_option("--token-key", o.token_key, "the ISD owner's P-256 private key (PKCS#8 PEM): install/delete/extradite "
                                               "through an SSD with Delegated Management, with a token");
  o.gp->add_option("--receipt-key", o.receipt_key, "the receipt key (AES, hex): verify the card's receipt");
  o.install_sd = o.gp->add_subcommand("install-sd", "create a supplementary security domain (INSTALL, through the ISD)");
  o.install_sd->add_option("AID", o.app_aid, "the new security domain's AID in hex")->required();
  o.install_sd->add_option("SEID", o.seid, "a card of the local state dir");
  o.install_sd->add_option("--privileges", o.privileges, "hex, 1 or 3 bytes: 80 SD, A0 + Delegated Management, "
                                                         "804000 + Authorized Management, 90/88 + Card Lock/Terminate")
      ->capture_default_str();
  o.extradite = o.gp->add_subcommand("extradite", "associate an application with another security domain (INSTALL [for extradition])");
  o.extradite->add_option("AID", o.app_aid, "the application's AID in hex")->required();
  o.extradite->add_option("SEID", o.seid, "a card of the local state dir");
  o.extradite->add_option("--to", o.to_sd, "the security domain's AID in hex")->required();
  o.put_dm_keys = o.gp->add_subcommand("put-dm-keys", "put the ISD owner's token key (--token-key) and the receipt key (--receipt-key) into the ISD");
  o.put_dm_keys->add_option("SEID", o.seid, "a card of the local state dir");
  o.put_dm_keys->add_flag("--replace", o.replace_dm_keys, "replace keys set before (PUT KEY P1 70 / 71)");
  o.list = o.gp->add_subcommand("list", "the card's registry: ISD, applications, load files (GET STATUS)");
  o.list->add_option("SEID", o.seid, "a card of the local state dir");
  o.info = o.gp->add_subcommand("info", "secure channel data: key version, i, sequence counter, key information");
  o.info->add_option("SEID", o.seid, "a card of the local state dir");
  o.put_key = o.gp->add_subcommand("put-key", "add or replace an SCP03 key set (PUT KEY)");
  o.put_key->add_option("SEID", o.seid, "a card of the local state dir");
  o.put_key->add_option("--new-kvn", o.new_kvn, "key version of the new set, hex 01-7F")->required();
  o.put_key->add_option("--replace", o.replace_kvn, "key version to replace (00: add a set)")->capture_default_str();
  o.put_key->add_option("--new-key-enc", o.new_enc, "new K-ENC in hex (default: the GP test key)");
  o.put_key->add_option("--new-key-mac", o.new_mac, "new K-MAC in hex (default: the GP test key)");
  o.put_key->add_option("--new-key-dek", o.new_dek, "new K-DEK in hex (default: the GP test key)");
  o.lock = o.gp->add_subcommand("lock", "lock an application (SET STATUS)");
  o.unlock = o.gp->add_subcommand("unlock", "unlock an application (SET STATUS)");
  for (CLI::App* c : {o.lock, o.unlock}) {
    c->add_option("AID", o.app_aid, "the application's AID in hex")->required();
    c->add_option("SEID", o.seid, "a card of the local state dir");
  }
  o.install = o.gp->add_subcommand("install", "install an application instance (INSTALL for install and make selectable)");
  o.install->add_option("AID", o.app_aid, "the new instance's AID in hex")->required();
  o.install->add_option("SEID", o.seid, "a card of the local state dir");
  o.install->add_option("--load-file", o.load_file, "load file AID (see gp list: PKG)")->required();
  o.install->add_option("--module", o.module_aid, "module AID (see gp list: Module)")->required();
  o.install->add_option("--params", o.params, "install parameters in hex (sent as C9)");
  o.remove = o.gp->add_subcommand("delete", "delete an application instance and its data (DELETE)");
  o.remove->add_option("AID", o.app_aid, "the instance's AID in hex")->required();
  o.remove->add_option("SEID", o.seid, "a card of the local state dir");
  o.personalise = o.gp->add_subcommand("personalise", "personalise an application: INSTALL [for personalization] + STORE DATA of a DGI file");
  o.personalise->add_option("AID", o.app_aid, "the application's AID in hex")->required();
  o.personalise->add_option("SEID", o.seid, "a card of the local state dir");
  o.personalise->add_option("--dgi-file", o.dgi_file, "the DGIs, one per line: DGI [enc] HEX|\"text\" (docs/GP.md)")->required();
  o.store_data = o.gp->add_subcommand("store-data", "personalise the ISD itself: IIN and CIN (STORE DATA)");
  o.store_data->add_option("SEID", o.seid, "a card of the local state dir");
  o.store_data->add_option("--iin", o.iin, "Issuer Identification Number in hex (tag 42)");
  o.store_data->add_option("--cin", o.cin, "Card Image Number in hex (tag 45)");
  o.get_data = o.gp->add_subcommand("get-data", "the ISD's data objects (GET DATA): iin cin cplc seq keys card-data all, or a tag");
  o.get_data->add_option("WORDS", o.get_data_words, "[SEID] [ITEM] (ITEM default: all)")->expected(0, 2);
  o.lock_card = o.gp->add_subcommand("lock-card", "card life cycle CARD_LOCKED (SET STATUS)");
  o.lock_card->add_option("SEID", o.seid, "a card of the local state dir");
  o.unlock_card = o.gp->add_subcommand("unlock-card", "card life cycle back to SECURED (SET STATUS)");
  o.unlock_card->add_option("SEID", o.seid, "a card of the local state dir");
}

GpCommands::~GpCommands() = default;

bool GpCommands::parsed() const { return o_->gp->parsed(); }

void GpCommands::run(const std::string& state_dir, const std::string& config_path) {
  const Options& o = *o_;
  gp::Scp03Options so;
  so.keys = {key_or_default(o.key_enc), key_or_default(o.key_mac), key_or_default(o.key_dek)};
  if (so.keys.mac.size() != so.keys.enc.size() || so.keys.dek.size() != so.keys.enc.size())
    fail(Errc::invalid_argument, "--key-enc, --key-mac and --key-dek must have one length");
  so.key_version = hex_byte(o.kvn, "--kvn");
  so.security_level = hex_byte(o.level, "--level");
  if (!scp03::valid_security_level(so.security_level)) fail(Errc::invalid_argument, "--level is 00, 01, 03, 11, 13, 31 or 33");
  so.mode = o.s16 ? scp03::Mode::s16 : scp03::Mode::s8;
  if (!o.sd.empty()) so.sd_aid = from_hex(o.sd);
  const bool delegated = !o.token_key.empty() && (o.install->parsed() || o.remove->parsed() || o.extradite->parsed());
  std::string seid = o.seid, item = "all";
  if (o.get_data->parsed()) {  // [SEID] [ITEM]: a single word is the SEID for a local card, else the item
    const auto& w = o.get_data_words;
    const bool remote = !o.url.empty() || !o.pcsc.empty();
    if (w.size() == 2) {
      seid = w[0];
      item = w[1];
    } else if (w.size() == 1) {
      (remote ? item : seid) = w[0];
    }
  }
  const int where = (o.url.empty() ? 0 : 1) + (o.pcsc.empty() ? 0 : 1) + (seid.empty() ? 0 : 1);
  if (where != 1) fail(Errc::invalid_argument, "name exactly one card: SEID (state dir), --url racs://... or --pcsc READER");

  auto work = [&](host::Reader& reader) {
    if (o.get_data->parsed()) return print_data(reader, item);  // GET DATA needs no secure channel
    // The confirmation counter is read before the SSD's session opens (GET DATA selects the ISD).
    const std::uint16_t counter = delegated ? gp::confirmation_counter(reader) : 0;
    auto session = gp::Scp03Session::open(reader, so);
    if (o.install_sd->parsed()) {
      gp::install_security_domain(*session, from_hex(o.app_aid), from_hex(o.privileges));
      std::cout << "security domain " << to_hex(from_hex(o.app_aid)) << " installed\n";
    }
    if (o.put_dm_keys->parsed()) {
      if (o.token_key.empty() && o.receipt_key.empty()) fail(Errc::invalid_argument, "put-dm-keys: give --token-key and/or --receipt-key");
      if (!o.token_key.empty()) gp::put_token_key(*session, owner_key(o.token_key).public_key(), o.replace_dm_keys);
      if (!o.receipt_key.empty()) gp::put_receipt_key(*session, from_hex(o.receipt_key), o.replace_dm_keys);
      std::cout << "delegated management keys stored\n";
    }
    if (o.extradite->parsed()) {
      if (delegated) {
        run_delegated(*session, gp::delegated_extradition(from_hex(o.app_aid), from_hex(o.to_sd)), o, counter);
      } else {
        gp::extradite(*session, from_hex(o.app_aid), from_hex(o.to_sd));
      }
      std::cout << "extradited " << to_hex(from_hex(o.app_aid)) << " to " << to_hex(from_hex(o.to_sd)) << "\n";
    }
    if (o.personalise->parsed()) {
      const auto dgis = gp::parse_dgi_file(read_text_file(o.dgi_file));
      gp::personalise(*session, from_hex(o.app_aid), dgis);
      std::cout << "personalised " << to_hex(from_hex(o.app_aid)) << " with " << dgis.size() << " DGIs\n";
    }
    if (o.store_data->parsed()) {
      Bytes tlv;
      if (!o.iin.empty()) append_tlv(tlv, 0x42, from_hex(o.iin));
      if (!o.cin.empty()) append_tlv(tlv, 0x45, from_hex(o.cin));
      if (tlv.empty()) fail(Errc::invalid_argument, "store-data: give --iin and/or --cin");
      gp::store_sd_data(*session, tlv);
      std::cout << "stored\n";
    }
    if (o.list->parsed()) print_registry(*session);
    if (o.info->parsed()) print_info(*session);
    if (o.install->parsed() && delegated) {
      run_delegated(*session, gp::delegated_install(from_hex(o.load_file), from_hex(o.module_aid), from_hex(o.app_aid), from_hex(o.params)),
                    o, counter);
    } else if (o.install->parsed()) {
      gp::install(*session, from_hex(o.load_file), from_hex(o.module_aid), from_hex(o.app_aid), from_hex(o.params));
    }
    if (o.install->parsed()) {
      std::cout << "installed " << to_hex(from_hex(o.app_aid)) << "\n";
    }
    if (o.remove->parsed()) {
      if (delegated) {
        run_delegated(*session, gp::delegated_delete(from_hex(o.app_aid)), o, counter);
      } else {
        gp::delete_application(*session, from_hex(o.app_aid));
      }
      std::cout << "deleted " << to_hex(from_hex(o.app_aid)) << "\n";
    }
    if (o.lock->parsed()) gp::lock_application(*session, from_hex(o.app_aid));
    if (o.unlock->parsed()) gp::unlock_application(*session, from_hex(o.app_aid));
    if (o.lock_card->parsed()) gp::set_card_life_cycle(*session, 0x7F);
    if (o.unlock_card->parsed()) gp::set_card_life_cycle(*session, 0x0F);
    if (o.put_key->parsed()) {
      const scp03::StaticKeys fresh{key_or_default(o.new_enc), key_or_default(o.new_mac), key_or_default(o.new_dek)};
      if (fresh.mac.size() != fresh.enc.size() || fresh.dek.size() != fresh.enc.size())
        fail(Errc::invalid_argument, "the three new keys must have one length");
      const std::uint8_t kvn = hex_byte(o.new_kvn, "--new-kvn");
      gp::put_key(*session, hex_byte(o.replace_kvn, "--replace"), kvn, fresh);
      std::cout << "key set " << to_hex(Bytes{kvn}) << " stored (key check values verified)\n";
    }
  };
  with_card_reader({seid, o.url, o.pcsc, o.cert, o.key, o.ca, o.pin_sha256, o.timeout_ms}, state_dir, config_path,
                   work);
}

}  // namespace sesame::cli
