#include "cli/audit_commands.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "audit/audit_log.h"
#include "audit/audit_verify.h"
#include "crypto/any_key.h"
#include "server/config.h"
#include "server/file_io.h"
#include "store/master_key.h"
#include "store/postgres_store.h"
#include "store/sqlite_store.h"
#include "util/error.h"

namespace sesame::cli {

struct AuditCommands::Options {
  CLI::App* audit = nullptr;
  CLI::App* verify = nullptr;
  CLI::App* show = nullptr;
  CLI::App* append = nullptr;
  CLI::App* pubkey = nullptr;
  std::string pubkey_file, anchor, log_id = audit::kDefaultLogId;
  std::uint64_t since = 1;
  std::string actor, action, object, decision = "allowed", detail;
};

namespace {

namespace fs = std::filesystem;

// The store of the state dir, as LocalState opens it, but without creating anything.
std::unique_ptr<store::Store> open_existing_store(const fs::path& state_dir,
                                                  const server::ServerConfig& config) {
  const fs::path key_path = server::resolve_in_state_dir(state_dir, config.master_key_path);
  if (!fs::exists(key_path))
    fail(Errc::not_found,
         "no sesame state in " + state_dir.string() + " (no master key " + key_path.string() + ")");
  SecureBytes master_key = store::load_or_create_master_key(key_path.string());
  if (config.store_backend == "postgres") {
    store::PostgresOptions options;
    options.node_id = config.store_node_id.empty() ? "sesame-cli-audit" : config.store_node_id + "-cli-audit";
    return store::open_postgres_store(config.store_conninfo, std::move(master_key), options);
  }
  const fs::path db = server::resolve_in_state_dir(state_dir, config.store_path);
  if (!fs::exists(db))
    fail(Errc::not_found,
         "no sesame state in " + state_dir.string() + " (" + db.string() + " does not exist)");
  return store::open_sqlite_store(db.string(), std::move(master_key));
}

fs::path audit_key_path(const fs::path& state_dir) {
  return state_dir / "audit.key";
}

crypto::EcPrivateKey load_audit_key(const fs::path& path) {
  const crypto::PrivateKey k = crypto::private_key_from_pem(server::read_secret_file(path));
  const auto* ec = std::get_if<crypto::EcPrivateKey>(&k);
  if (!ec || ec->curve() != crypto::Curve::p256)
    fail(Errc::crypto, "audit: " + path.string() + " is not a P-256 key");
  return *ec;
}

crypto::EcPrivateKey load_or_create_audit_key(const fs::path& path) {
  if (fs::exists(path)) return load_audit_key(path);
  const auto key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  const SecureBytes pem = crypto::private_key_to_pem(crypto::PrivateKey(key));
  server::write_file_atomic(path, pem.view(), 0600);
  return key;
}

crypto::EcPublicKey verification_key(const AuditCommands::Options& o, const fs::path& state_dir) {
  if (o.pubkey_file.empty()) {
    const fs::path p = audit_key_path(state_dir);
    if (!fs::exists(p)) fail(Errc::not_found, "audit: no audit key " + p.string() + "; give --pubkey");
    return load_audit_key(p).public_key();
  }
  const crypto::PublicKey k = crypto::public_key_from_pem(server::read_text_file(o.pubkey_file));
  const auto* ec = std::get_if<crypto::EcPublicKey>(&k);
  if (!ec || ec->curve() != crypto::Curve::p256)
    fail(Errc::crypto, "audit: " + o.pubkey_file + " is not a P-256 public key");
  return *ec;
}

audit::Decision parse_decision(const std::string& s) {
  if (s == "allowed") return audit::Decision::allowed;
  if (s == "denied") return audit::Decision::denied;
  if (s == "failed") return audit::Decision::failed;
  fail(Errc::invalid_argument, "audit: --decision is allowed, denied or failed");
}

std::string utc_time(std::int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  char buf[32] = "?";
  if (gmtime_r(&secs, &tm)) std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(((ms % 1000) + 1000) % 1000));
  return std::string(buf) + millis;
}

void print_entry(const audit::Entry& e) {
  std::cout << e.seq << "  " << utc_time(e.time_ms) << "  " << audit::decision_name(e.record.decision) << "  "
            << e.record.action << "  " << (e.record.object.empty() ? "-" : e.record.object) << "  "
            << e.record.actor;
  if (!e.record.detail.empty()) std::cout << "  (" << e.record.detail << ")";
  std::cout << "\n";
}

void show(store::Store& store, const AuditCommands::Options& o) {
  for (const auto& [key, value] : audit::read_log_records(store, o.log_id)) {
    const std::optional<std::uint64_t> seq = audit::seq_of_key(key);
    if (!seq || *seq < o.since) continue;
    try {
      print_entry(audit::decode_entry(value));
    } catch (const Error& e) {
      std::cout << *seq << "  <unreadable: " << e.what() << ">\n";
    }
  }
}

}  // namespace

AuditCommands::AuditCommands(CLI::App& app) : o_(std::make_unique<Options>()) {
  Options& o = *o_;
  o.audit = app.add_subcommand("audit", "the tamper-evident audit log (docs/SIGNING.md)");
  o.audit->require_subcommand(1);
  o.audit->fallthrough();
  o.audit->add_option("--log", o.log_id, "the log's id in the store")->capture_default_str();
  o.verify = o.audit->add_subcommand("verify", "check every entry's signature, place and hash chain");
  o.verify->add_option("--pubkey", o.pubkey_file,
                       "audit public key PEM (default: from <state-dir>/audit.key)");
  o.verify->add_option("--anchor", o.anchor,
                       "SEQ:HASH printed earlier by verify: detects truncation and rewrites");
  o.show = o.audit->add_subcommand("show", "print the entries (decoded, not verified)");
  o.show->add_option("--since", o.since, "first sequence number to print")->capture_default_str();
  o.append =
      o.audit->add_subcommand("append", "record an entry (an administrator's note; signs with audit.key)");
  o.append->add_option("--actor", o.actor, "who (certificate subject)")->required();
  o.append->add_option("--action", o.action, "what, e.g. key.create")->required();
  o.append->add_option("--object", o.object, "on what, e.g. a key id");
  o.append->add_option("--decision", o.decision, "allowed, denied or failed")->capture_default_str();
  o.append->add_option("--detail", o.detail, "free text, never secrets");
  o.pubkey =
      o.audit->add_subcommand("pubkey", "print the audit public key (PEM) to keep for verify --pubkey");
}

AuditCommands::~AuditCommands() = default;

bool AuditCommands::parsed() const {
  return o_->audit->parsed();
}

void AuditCommands::run(const std::string& state_dir, const std::string& config_path) {
  const Options& o = *o_;
  if (o.pubkey->parsed()) {
    std::cout << crypto::public_key_to_pem(
        crypto::PublicKey(load_audit_key(audit_key_path(state_dir)).public_key()));
    return;
  }
  std::optional<audit::Anchor> anchor;
  if (!o.anchor.empty()) anchor = audit::parse_anchor(o.anchor);
  server::ServerConfig config;
  if (!config_path.empty()) config = server::load_config(config_path);
  std::unique_ptr<store::Store> store = open_existing_store(state_dir, config);

  if (o.append->parsed()) {
    const audit::Record r{o.actor, o.action, o.object, parse_decision(o.decision), o.detail};
    audit::AuditLog log(*store, load_or_create_audit_key(audit_key_path(state_dir)), o.log_id);
    const audit::Entry e = log.append(r);
    std::cout << audit::format_anchor(audit::Anchor{e.seq, audit::entry_hash(e)}) << "\n";
  } else if (o.show->parsed()) {
    show(*store, o);
  } else if (o.verify->parsed()) {
    const audit::VerifyReport r = audit::verify_log(*store, verification_key(o, state_dir), anchor, o.log_id);
    if (!r.ok) {
      fail(Errc::integrity, "audit log verification failed" +
                                (r.bad_seq ? " at entry " + std::to_string(r.bad_seq) : std::string()) +
                                ": " + r.reason);
    }
    std::cout << "OK: " << r.entries << " entries verified\n"
              << "anchor: " << (r.entries ? audit::format_anchor(r.head) : std::string("-")) << "\n";
  }
}

}  // namespace sesame::cli
