#include "cli/pay_commands.h"

#include <CLI/CLI.hpp>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "card/card_service.h"
#include "cli/card_target.h"
#include "cli/reader_commands.h"
#include "cli/secret_input.h"
#include "crypto/emv_script.h"
#include "host/emv/hce_cache.h"
#include "host/emv/issuer_host.h"
#include "host/emv/issuer_scripts.h"
#include "host/emv/kernel.h"
#include "host/emv/transaction_log.h"
#include "host/racs/racs_reader.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::cli {

struct PayCommands::Options {
  CLI::App* pay = nullptr;
  std::string seid, url, pcsc, cert, key, ca, pin_sha256;
  int timeout_ms = 15000;
  std::uint64_t amount = 0;
  std::string currency = "0978", country = "0250", mode = "online", date;
  std::vector<std::string> scripts, scripts_after;
  // The test issuer master keys (docs/EMV.md); a real issuer passes its own.
  std::string imk_ac = "0123456789ABCDEFFEDCBA9876543210";
  std::string imk_smi = "FEDCBA98765432100123456789ABCDEF";
  std::string imk_smc = "11111111111111112222222222222222";
  int arpc_method = 1;
  bool select_blocked = false;
  std::string code;  // Personal Code, sent with VERIFY before the tap (PIN-TAP / second tap of TAP-PIN-TAP)
  bool cache = false;      // HCE cache mode (docs/EMV.md)
  std::string cache_file;  // ... with the cache kept in this file
  std::string un;          // the terminal's unpredictable number (default random)
};

namespace {

namespace emv = host::emv;

SecureBytes key16(const std::string& hex, const char* what) {
  SecureBytes k(from_hex(hex));
  if (k.size() != 16) fail(Errc::invalid_argument, std::string(what) + " is 16 bytes in hex");
  return k;
}

Bytes bcd4(const std::string& digits, const char* what) {
  if (digits.size() != 4 || digits.find_first_not_of("0123456789") != std::string::npos)
    fail(Errc::invalid_argument, std::string(what) + " is 4 digits, e.g. 0978");
  return from_hex(digits);
}

std::string today() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[8];
  std::strftime(b, sizeof b, "%y%m%d", &tm);
  return b;
}

// Counts the requests that reach the card (one RACS request each over RACS).
class CountingReader final : public host::Reader {
 public:
  explicit CountingReader(host::Reader& inner) : inner_(inner) {}
  std::string name() const override { return inner_.name(); }
  Bytes connect() override { return inner_.connect(); }
  void disconnect() override { inner_.disconnect(); }
  Bytes reset(bool warm) override { return inner_.reset(warm); }
  Bytes transmit_raw(ByteView command) override {
    ++count;
    return inner_.transmit_raw(command);
  }
  std::uint64_t count = 0;

 private:
  host::Reader& inner_;
};

// HCE cache mode: the purchase through a cache filled from the card (or loaded from `file`).
emv::Outcome run_cached(host::Reader& reader, const std::string& file, const emv::TerminalConfig& terminal,
                        const emv::Transaction& txn, const emv::OnlineAuthoriser& online) {
  std::unique_ptr<emv::CardLink> link;
  if (auto* racs = dynamic_cast<host::racs::RacsReader*>(&reader))  // batches over one RACS request
    link = std::make_unique<emv::RacsLink>(std::shared_ptr<host::racs::RacsClient>(&racs->client(), [](auto*) {}),
                                           racs->seid());
  else
    link = std::make_unique<emv::ReaderLink>(reader);
  emv::HceCache cache(*link);
  if (!file.empty() && std::filesystem::exists(file)) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    cache.load(text.str());
    std::cout << "Cache:        loaded from " << file << "\n";
  } else {
    cache.fill();
    std::cout << "Cache:        filled from the card (" << link->round_trips() << " round trips)\n";
    if (!file.empty()) {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out << cache.save();
      if (!out) fail(Errc::io, "cannot write the cache file " + file);
    }
  }
  const auto before = link->round_trips();
  auto outcome = emv::run_transaction(cache, terminal, txn, online);
  std::cout << "Round trips:  " << link->round_trips() - before << " (HCE cache mode)\n";
  return outcome;
}

const char* result_name(emv::Outcome::Result r) {
  switch (r) {
    case emv::Outcome::Result::approved: return "approved";
    case emv::Outcome::Result::declined: return "declined";
    default: return "end application";
  }
}

const char* cid_name(std::uint8_t cid) {
  switch (cid & 0xC0) {
    case 0x40: return "TC";
    case 0x80: return "ARQC";
    case 0x00: return "AAC";
    default: return "RFU";
  }
}

std::string field(const emv::LogEntry& e, std::uint32_t tag) {
  for (const auto& [t, v] : e.fields)
    if (t == tag) return to_hex(v);
  return "-";
}

void print_outcome(const emv::Outcome& o) {
  std::cout << "Outcome:      " << result_name(o.result) << (o.online ? " (online)" : " (offline)") << "\n";
  if (!o.reason.empty()) std::cout << "Reason:       " << o.reason << "\n";
  if (!o.aid.empty())
    std::cout << "AID:          " << to_hex(o.aid) << (o.application_blocked ? " (blocked)" : "") << "\n";
  if (!o.cryptogram.empty()) {
    char atc[8];
    std::snprintf(atc, sizeof atc, "%04X", o.atc);
    std::cout << "ATC:          " << atc << "\n"
              << "Cryptogram:   " << cid_name(o.cid) << " " << to_hex(o.cryptogram) << "\n";
  }
  if (!o.arc.empty()) std::cout << "ARC:          " << std::string(o.arc.begin(), o.arc.end()) << "\n";
  std::cout << "TVR:          " << to_hex(o.tvr) << "\n";
  if (const auto it = o.card_data.find(0x9F10); it != o.card_data.end() && it->second.size() == 8) {
    std::cout << "CVR:          " << to_hex(ByteView(it->second).subspan(2)) << "\n";
    // sesame's CVR byte 4 (docs/EMV.md): the wallet asks for the Personal Code and the holder taps again.
    if (it->second[5] & 0x20) std::cout << "Personal Code required: enter it (--code) and tap again\n";
  }
  if (!o.issuer_script_results.empty())
    std::cout << "Script results (9F5B): " << to_hex(o.issuer_script_results) << "\n";
  for (const auto& l : o.script_log) std::cout << "Script:       " << l << "\n";
}

void print_log(const std::vector<emv::LogEntry>& log) {
  std::cout << "Transaction log (most recent first):\n";
  if (log.empty()) std::cout << "  (empty)\n";
  for (const auto& e : log)
    std::cout << "  ATC " << field(e, 0x9F36) << "  "
              << cid_name(static_cast<std::uint8_t>(from_hex(field(e, 0x9F27))[0])) << "  amount "
              << field(e, 0x9F02) << "  currency " << field(e, 0x5F2A) << "  date " << field(e, 0x9A)
              << "  type " << field(e, 0x9C) << "  CVR " << field(e, 0xDF01) << "\n";
}

}  // namespace

PayCommands::PayCommands(CLI::App& app) : o_(std::make_unique<Options>()) {
  Options& o = *o_;
  o.pay = app.add_subcommand("pay", "a contactless EMV purchase through the POS kernel (docs/EMV.md)");
  o.pay->fallthrough();
  o.pay->add_option("SEID", o.seid, "a card of the local state dir");
  o.pay->add_option("--url", o.url, "a remote card: racs://host:port/SEID");
  o.pay->add_option("--pcsc", o.pcsc, "a card in this PC/SC reader");
  o.pay->add_option("--cert", o.cert, "RACS client certificate PEM (default: <state-dir>/pki/admin.pem)");
  o.pay->add_option("--key", o.key, "its private key PEM (default: <state-dir>/pki/admin.key)");
  o.pay->add_option("--ca", o.ca, "pin the RACS server's CA (default: <state-dir>/pki/ca.pem)");
  o.pay->add_option("--pin-sha256", o.pin_sha256,
                    "pin the RACS server certificate: SHA-256 of its DER in hex");
  o.pay->add_option("--timeout-ms", o.timeout_ms, "RACS: timeout of each network step")
      ->capture_default_str();
  o.pay->add_option("--amount", o.amount, "amount in minor units (1250 = 12.50)")->required();
  o.pay->add_option("--currency", o.currency, "ISO 4217 numeric, 4 digits")->capture_default_str();
  o.pay->add_option("--country", o.country, "terminal country, ISO 3166 numeric, 4 digits")
      ->capture_default_str();
  o.pay->add_option("--mode", o.mode, "online: the issuer host authorises; offline: an offline-only terminal")
      ->check(CLI::IsMember({"online", "offline"}))
      ->capture_default_str();
  o.pay->add_option("--date", o.date, "transaction date YYMMDD (default: today, UTC)");
  o.pay->add_option("--script", o.scripts,
                    "issuer script command before the 2nd GENERATE AC (tag 71), repeatable");
  o.pay->add_option("--script-after", o.scripts_after,
                    "issuer script command after the 2nd GENERATE AC (tag 72)");
  o.pay->add_option("--imk-ac", o.imk_ac, "issuer master key for AC (default: the test key)");
  o.pay->add_option("--imk-smi", o.imk_smi, "issuer master key for script integrity (default: the test key)");
  o.pay->add_option("--imk-smc", o.imk_smc,
                    "issuer master key for script confidentiality (default: the test key)");
  o.pay->add_option("--arpc-method", o.arpc_method, "ARPC method of the card's profile")
      ->check(CLI::IsMember({1, 2}))
      ->capture_default_str();
  o.pay->add_option("--code", o.code,
                    "Personal Code: VERIFY before the tap (4-12 digits; \"-\" asks on the terminal, without echo)");
  o.pay->add_flag("--select-blocked", o.select_blocked,
                  "select a blocked application (to unblock it by script)");
  o.pay->add_flag("--cache", o.cache,
                  "HCE cache mode: static answers from a cache filled from the card, only the cryptographic "
                  "commands sent to it");
  o.pay->add_option("--cache-file", o.cache_file,
                    "HCE cache mode, the cache kept in this file (loaded if it exists, else filled and saved)");
  o.pay->add_option("--un", o.un, "the terminal's unpredictable number, 8 hex digits (default: random)");
}

PayCommands::~PayCommands() = default;

bool PayCommands::parsed() const {
  return o_->pay->parsed();
}

int PayCommands::run(const std::string& state_dir, const std::string& config_path) {
  Options& o = *o_;  // not const: the Personal Code is taken out of it (and wiped)
  const int where = (o.url.empty() ? 0 : 1) + (o.pcsc.empty() ? 0 : 1) + (o.seid.empty() ? 0 : 1);
  if (where != 1)
    fail(Errc::invalid_argument,
         "name exactly one card: SEID (state dir), --url racs://... or --pcsc READER");
  if (o.mode == "offline" && (!o.scripts.empty() || !o.scripts_after.empty()))
    fail(Errc::invalid_argument, "issuer scripts come with an online response: use --mode online");

  emv::TerminalConfig terminal;
  terminal.currency = bcd4(o.currency, "--currency");
  terminal.country = bcd4(o.country, "--country");
  // No CA public keys here: offline data authentication is not performed (TVR byte 1 b8).
  terminal.cda_supported = terminal.dda_supported = false;
  terminal.select_blocked = o.select_blocked;
  if (o.mode == "online") {
    terminal.terminal_type = 0x22;
    terminal.floor_limit = 0;                      // every amount reaches the floor limit...
    terminal.tac_online = from_hex("0000008000");  // ...and goes online
  } else {
    terminal.terminal_type = 0x23;  // offline only: the card's risk management decides
    terminal.floor_limit = 999999999999ull;
  }
  emv::Transaction txn;
  txn.amount = o.amount;
  txn.date = o.date.empty() ? today() : o.date;
  if (!o.un.empty()) {
    txn.unpredictable_number = from_hex(o.un);
    if (txn.unpredictable_number.size() != 4) fail(Errc::invalid_argument, "--un is 4 bytes in hex");
  }

  std::vector<emv::ScriptCommand> before, after;
  for (const auto& s : o.scripts) before.push_back(emv::ScriptCommand::parse(s));
  for (const auto& s : o.scripts_after) after.push_back(emv::ScriptCommand::parse(s));
  const auto issuer = std::make_shared<emv::IssuerHost>(key16(o.imk_ac, "--imk-ac"), o.arpc_method);
  std::shared_ptr<emv::IssuerScriptHost> script_host;
  if (!before.empty() || !after.empty())
    script_host =
        std::make_shared<emv::IssuerScriptHost>(key16(o.imk_smi, "--imk-smi"), key16(o.imk_smc, "--imk-smc"));
  emv::OnlineAuthoriser online;
  if (o.mode == "online") {
    online = [&](const emv::AuthorisationRequest& r) {
      auto resp = issuer->authorise(r);
      if (script_host && !before.empty())
        append(resp.issuer_scripts, script_host->script(0x71, Bytes{0, 0, 0, 1}, r, before));
      if (script_host && !after.empty())
        append(resp.issuer_scripts, script_host->script(0x72, Bytes{0, 0, 0, 2}, r, after));
      return std::optional<emv::AuthorisationResponse>(resp);
    };
  }

  // Out of CLI11's string at once (wiped), or typed at the terminal: never kept in a plain string.
  const SecureString code = o.code == "-" ? read_secret_from_tty("Personal Code: ", "give --code DIGITS")
                                          : take_secret(o.code);
  int status = 0;
  auto work = [&](host::Reader& reader) {
    if (!code.empty()) {
      // The wallet's step: the payment application (Mastercard AID), then VERIFY with the plaintext
      // format 2 block (Book 3 §6.5.12, P2 80).
      const Bytes aid = from_hex("A0000000041010");
      const auto sel = reader.transmit({0x00, 0xA4, 0x04, 0x00, aid, 256, false});
      if (!sel.ok() && sel.sw != 0x6283)
        fail(Errc::state,
             "SELECT of the payment application answered " +
                 sw_text(Bytes{static_cast<std::uint8_t>(sel.sw >> 8), static_cast<std::uint8_t>(sel.sw)}));
      const auto block = crypto::emv::pin_block_format2(std::string_view(code));
      const auto v = reader.transmit({0x00, 0x20, 0x00, 0x80, block.reveal(), 0, false});
      std::cout << "Personal Code: "
                << (v.ok() ? "verified"
                           : sw_text(Bytes{static_cast<std::uint8_t>(v.sw >> 8),
                                           static_cast<std::uint8_t>(v.sw)}))
                << "\n";
    }
    emv::Outcome outcome;
    if (o.cache || !o.cache_file.empty()) {
      outcome = run_cached(reader, o.cache_file, terminal, txn, online);
    } else {
      CountingReader counted(reader);
      outcome = emv::run_transaction(counted, terminal, txn, online);
      std::cout << "Round trips:  " << counted.count << " (transparent)\n";
    }
    print_outcome(outcome);
    if (!outcome.aid.empty()) print_log(emv::read_transaction_log(reader, outcome.aid));
    status = outcome.result == emv::Outcome::Result::approved ? 0 : 3;
  };
  with_card_reader({o.seid, o.url, o.pcsc, o.cert, o.key, o.ca, o.pin_sha256, o.timeout_ms}, state_dir,
                   config_path, work);
  return status;
}

}  // namespace sesame::cli
