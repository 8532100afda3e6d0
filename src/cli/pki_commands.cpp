#include "cli/pki_commands.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "crypto/any_key.h"
#include "crypto/crl.h"
#include "crypto/ec_key.h"
#include "host/eid/icao_pki.h"
#include "server/file_io.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::cli {

struct PkiCommands::Options {
  CLI::App* pki = nullptr;
  CLI::App* init = nullptr;
  CLI::App* revoke = nullptr;
  CLI::App* crl = nullptr;
  std::string dir, country = "UT", org, csca_cn = "CSCA", ds_cn = "Document Signer", cert;
  bool force = false;
  int crl_days = 90;
};

namespace {

namespace fs = std::filesystem;

constexpr unsigned kPublicMode = 0644, kSecretMode = 0600;

void write_text(const fs::path& p, const std::string& text, unsigned mode) {
  server::write_file_atomic(p, as_bytes(text), mode);
}

crypto::PrivateKey read_key(const fs::path& p) { return crypto::private_key_from_pem(server::read_secret_file(p)); }

crypto::Certificate read_cert(const fs::path& p) { return crypto::Certificate::from_pem(server::read_text_file(p)); }

void require_dir(const std::string& dir) {
  if (dir.empty()) fail(Errc::invalid_argument, "give --dir, the PKI directory");
  if (!fs::exists(fs::path(dir) / "csca.key")) fail(Errc::not_found, "no CSCA in " + dir + " (run sesame pki init)");
}

// Writes crl.pem with the given serials and the number after the current CRL's.
void write_crl(const fs::path& dir, const std::vector<Bytes>& revoked, std::uint64_t number, int days) {
  const crypto::Crl crl = host::eid::make_csca_crl(read_cert(dir / "csca.pem"), read_key(dir / "csca.key"), revoked,
                                                   number, std::chrono::days(days));
  write_text(dir / "crl.pem", crl.pem(), kPublicMode);
  std::cout << "CRL " << number << " written to " << (dir / "crl.pem").string() << " (" << revoked.size()
            << " revoked)\n";
}

void init(const PkiCommands::Options& o) {
  const fs::path dir(o.dir);
  if (o.dir.empty()) fail(Errc::invalid_argument, "give --dir, the PKI directory");
  if (!o.force && fs::exists(dir / "csca.key"))
    fail(Errc::state, dir.string() + " already holds a CSCA (--force replaces it)");
  server::ensure_private_dir(dir);
  // ICAO 9303-12 §7.1.2 allows ECDSA on NIST or Brainpool curves: the CSCA on P-384 (lives long),
  // the Document Signer on P-256.
  const crypto::PrivateKey csca_key = crypto::EcPrivateKey::generate(crypto::Curve::p384);
  host::eid::CscaProfile cp;
  cp.country = o.country;
  cp.common_name = o.csca_cn;
  cp.organization = o.org;
  const crypto::Certificate csca = host::eid::make_csca(cp, csca_key);
  const crypto::PrivateKey ds_key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  host::eid::DocumentSignerProfile dp;
  dp.common_name = o.ds_cn;
  dp.organization = o.org;
  const crypto::Certificate ds = host::eid::make_document_signer(dp, crypto::public_key_of(ds_key), csca, csca_key);
  host::eid::check_csca_profile(csca);
  host::eid::check_document_signer_profile(ds, csca);

  server::write_file_atomic(dir / "csca.key", crypto::private_key_to_pem(csca_key).view(), kSecretMode);
  write_text(dir / "csca.pem", csca.pem(), kPublicMode);
  server::write_file_atomic(dir / "ds.key", crypto::private_key_to_pem(ds_key).view(), kSecretMode);
  write_text(dir / "ds.pem", ds.pem(), kPublicMode);
  std::cout << "CSCA:            " << csca.subject() << " (" << (dir / "csca.pem").string() << ")\n"
            << "Document Signer: " << ds.subject() << " serial " << to_hex(ds.serial()) << " ("
            << (dir / "ds.pem").string() << ")\n";
  write_crl(dir, {}, 1, o.crl_days);
}

// The serials and number of the current CRL (none and 0 without one).
std::pair<std::vector<Bytes>, std::uint64_t> current_crl(const fs::path& dir) {
  if (!fs::exists(dir / "crl.pem")) return {{}, 0};
  const crypto::Crl crl = crypto::Crl::from_pem(server::read_text_file(dir / "crl.pem"));
  crl.verify_signature(read_cert(dir / "csca.pem"));
  return {crl.revoked_serials(), crl.crl_number().value_or(0)};
}

}  // namespace

PkiCommands::PkiCommands(CLI::App& app) : o_(std::make_unique<Options>()) {
  Options& o = *o_;
  o.pki = app.add_subcommand("pki", "an ICAO 9303-12 CSCA / Document Signer PKI for eID cards (docs/EID.md)");
  o.pki->require_subcommand(1);
  o.pki->fallthrough();
  o.pki->add_option("--dir", o.dir, "the PKI directory (csca.pem, csca.key, ds.pem, ds.key, crl.pem)")->required();
  o.pki->add_option("--crl-days", o.crl_days, "nextUpdate of the CRL, in days from now")->capture_default_str();
  o.init = o.pki->add_subcommand("init", "create the CSCA, a Document Signer and an empty CRL");
  o.init->add_option("--country", o.country, "the issuing state, ISO 3166-1 alpha-2 (C=)")->capture_default_str();
  o.init->add_option("--org", o.org, "O= of both certificates");
  o.init->add_option("--csca-cn", o.csca_cn, "CN= of the CSCA")->capture_default_str();
  o.init->add_option("--ds-cn", o.ds_cn, "CN= of the Document Signer")->capture_default_str();
  o.init->add_flag("--force", o.force, "replace an existing PKI in the directory");
  o.revoke = o.pki->add_subcommand("revoke-ds", "revoke a Document Signer: a new CRL listing it");
  o.revoke->add_option("--cert", o.cert, "the Document Signer certificate (default: <dir>/ds.pem)");
  o.crl = o.pki->add_subcommand("crl", "issue a new CRL with the same revoked serials");
}

PkiCommands::~PkiCommands() = default;

bool PkiCommands::parsed() const { return o_->pki->parsed(); }

void PkiCommands::run() {
  const Options& o = *o_;
  if (o.crl_days < 1 || o.crl_days > 3650) fail(Errc::invalid_argument, "--crl-days is 1..3650");
  if (o.init->parsed()) return init(o);
  require_dir(o.dir);
  const fs::path dir(o.dir);
  auto [revoked, number] = current_crl(dir);
  if (o.revoke->parsed()) {
    const crypto::Certificate ds = read_cert(o.cert.empty() ? dir / "ds.pem" : fs::path(o.cert));
    ds.verify_signature(read_cert(dir / "csca.pem"));  // only this CSCA's certificates
    bool listed = false;
    for (const auto& s : revoked) listed = listed || s == ds.serial();
    if (!listed) revoked.push_back(ds.serial());
    std::cout << "revoked Document Signer serial " << to_hex(ds.serial()) << "\n";
  }
  write_crl(dir, revoked, number + 1, o.crl_days);
}

}  // namespace sesame::cli
