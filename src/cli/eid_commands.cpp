#include "cli/eid_commands.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "card/card_service.h"
#include "cli/card_target.h"
#include "cli/reader_commands.h"
#include "cli/secret_input.h"
#include "crypto/any_key.h"
#include "host/eid/eid_back_end_client.h"
#include "host/eid/eid_front_end.h"
#include "host/eid/eid_issuance.h"
#include "host/eid/eid_reading.h"
#include "host/eid/mrz.h"
#include "iso7816/lds_security_object.h"
#include "server/config.h"
#include "server/file_io.h"
#include "server/local_state.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::cli {

struct EidCommands::Options {
  CLI::App* eid = nullptr;
  CLI::App* issue = nullptr;
  CLI::App* read = nullptr;
  CLI::App* present = nullptr;
  std::string back_end, back_end_ca, back_end_pin, transaction, handover_key;
  std::string identity, pki, seid, url, pcsc, cert, key, ca, pin_sha256, mrz, save_dir;
  std::vector<std::string> cscas, crls;
  // Secrets from the command line (visible in the process list: prefer the prompt for the PIN).
  std::string pin, can, puk;
  int parameter_id = 13;
  int timeout_ms = 15000;
};

namespace {

namespace fs = std::filesystem;
namespace eid = host::eid;

constexpr const char* kModule = "sesame.eid";
const Bytes kEidAid = {0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01};  // ICAO eMRTD LDS1 application

void issue(EidCommands::Options& o, card::CardService& cards) {
  const fs::path pki(o.pki);
  const std::string json = server::read_text_file(o.identity);
  eid::EidIdentity id = eid::parse_identity_json(json);
  if (!id.photo_file.empty()) {
    fs::path photo(id.photo_file);
    if (photo.is_relative()) photo = fs::path(o.identity).parent_path() / photo;
    const std::string bytes = server::read_text_file(photo);
    id.photo.assign(bytes.begin(), bytes.end());
  }
  const crypto::Certificate ds = crypto::Certificate::from_pem(server::read_text_file(pki / "ds.pem"));
  const crypto::PrivateKey ds_key = crypto::private_key_from_pem(server::read_secret_file(pki / "ds.key"));

  const eid::EidSecrets secrets = eid::complete_secrets({take_secret(o.pin), take_secret(o.can), take_secret(o.puk)});
  eid::EidIssueOptions io;
  io.parameter_id = o.parameter_id;
  const eid::IssuedEid card = eid::issue_eid(id, secrets, ds, ds_key, io);

  const std::string seid = cards.create_card({.seid = o.seid, .label = "eID " + id.mrz.document_number});
  try {
    cards.install_applet(seid, kModule, kEidAid, card.install_params.view());
  } catch (...) {
    cards.delete_card(seid);  // no half-issued card stays behind
    throw;
  }
  std::cout << "SEID: " << seid << "\n"
            << "MRZ:  " << card.mrz.substr(0, 30) << "\n      " << card.mrz.substr(30, 30) << "\n      "
            << card.mrz.substr(60, 30) << "\n"
            << "PIN:  " << std::string_view(secrets.pin.data(), secrets.pin.size()) << "\n"
            << "CAN:  " << std::string_view(secrets.can.data(), secrets.can.size()) << "\n"
            << "PUK:  " << std::string_view(secrets.puk.data(), secrets.puk.size()) << "\n"
            << "The PIN, CAN and PUK are shown once: sesame keeps them only inside the card.\n";
}

std::string date_text(const std::string& yymmdd) {
  return yymmdd.size() == 6 ? yymmdd.substr(0, 2) + "-" + yymmdd.substr(2, 2) + "-" + yymmdd.substr(4, 2) : yymmdd;
}

void print_result(const eid::EidReadResult& r) {
  if (!r.mrz.empty()) {
    try {
      const eid::Td1 t = eid::parse_td1(r.mrz);
      std::cout << "Document:      " << t.document_code << " " << t.issuing_state << " " << t.document_number << "\n"
                << "Surname:       " << t.primary_identifier << "\n"
                << "Given names:   " << t.secondary_identifier << "\n"
                << "Nationality:   " << t.nationality << "\n"
                << "Date of birth: " << date_text(t.date_of_birth) << "\n"
                << "Sex:           " << t.sex << "\n"
                << "Expires:       " << date_text(t.date_of_expiry) << "\n";
    } catch (const Error&) {
    }
    const auto dg13 = r.data_groups.find(13);
    if (dg13 != r.data_groups.end()) {
      try {
        const eid::Dg13 d = eid::parse_dg13(dg13->second);
        if (!d.full_name.empty()) std::cout << "Full name:     " << d.full_name << "\n";
        if (!d.address.empty()) std::cout << "Address:       " << d.address << "\n";
      } catch (const Error&) {
      }
    }
    if (r.data_groups.count(2)) std::cout << "Photo:         DG2, " << r.data_groups.at(2).size() << " bytes\n";
    std::cout << "MRZ:           " << r.mrz.substr(0, 30) << "\n               " << r.mrz.substr(30, 30)
              << "\n               " << r.mrz.substr(60, 30) << "\n";
  }
  std::cout << "Checks:\n";
  for (const auto& c : r.checks) {
    std::string name = c.name;
    name.resize(std::max<std::size_t>(name.size(), 24), ' ');
    std::cout << "  " << (c.ok ? "OK    " : "FAIL  ") << name << c.detail << "\n";
  }
}

// The files as read, for other tools (e.g. openssl cms -verify on ef_sod.p7).
void save_files(const eid::EidReadResult& r, const std::string& dir) {
  server::ensure_private_dir(dir);
  for (const auto& [n, content] : r.data_groups)
    server::write_file_atomic(fs::path(dir) / ("dg" + std::to_string(n) + ".bin"), content, 0600);
  if (!r.ef_sod.empty()) {
    server::write_file_atomic(fs::path(dir) / "ef_sod.bin", r.ef_sod, 0600);
    try {
      server::write_file_atomic(fs::path(dir) / "ef_sod.p7", iso7816::unwrap_ef_sod(r.ef_sod), 0600);
    } catch (const Error&) {
      // not a '77' object: ef_sod.bin is all there is
    }
  }
}

std::vector<eid::PacePassword> passwords(EidCommands::Options& o) {
  std::vector<eid::PacePassword> out;
  if (!o.mrz.empty()) {
    const auto a = o.mrz.find(','), b = o.mrz.rfind(',');
    if (a == std::string::npos || a == b) fail(Errc::invalid_argument, "--mrz is DOCUMENT_NUMBER,YYMMDD,YYMMDD");
    std::string number = o.mrz.substr(0, a);
    if (number.size() < 9) number.resize(9, '<');
    out.push_back(eid::PacePassword::mrz(number, o.mrz.substr(a + 1, b - a - 1), o.mrz.substr(b + 1)));
  }
  if (!o.can.empty()) {
    const SecureString can = take_secret(o.can);
    out.push_back(eid::PacePassword::can({can.data(), can.size()}));
  }
  if (!o.pin.empty() || out.empty()) {
    const SecureString pin =
        o.pin.empty() ? read_secret_from_tty("eID PIN: ", "give --pin, --can or --mrz") : take_secret(o.pin);
    out.push_back(eid::PacePassword::pin({pin.data(), pin.size()}));
  }
  return out;
}

int read(EidCommands::Options& o, const std::string& state_dir, const std::string& config_path) {
  const int where = (o.url.empty() ? 0 : 1) + (o.pcsc.empty() ? 0 : 1) + (o.seid.empty() ? 0 : 1);
  if (where != 1) fail(Errc::invalid_argument, "name exactly one card: SEID (state dir), --url racs://... or --pcsc READER");
  eid::EidReadOptions ro;
  for (const auto& f : o.cscas)
    for (auto& c : crypto::Certificate::all_from_pem(server::read_text_file(f))) ro.cscas.push_back(std::move(c));
  for (const auto& f : o.crls) ro.crls.push_back(crypto::Crl::from_pem(server::read_text_file(f)));
  const std::vector<eid::PacePassword> pw = passwords(o);

  eid::EidReadResult result;
  with_card_reader({o.seid, o.url, o.pcsc, o.cert, o.key, o.ca, o.pin_sha256, o.timeout_ms}, state_dir,
                   config_path, [&](host::Reader& reader) {
                     reader.connect();  // a fresh power-on: PACE starts from a reset card
                     result = eid::read_and_verify(reader, pw, ro);
                   });
  print_result(result);
  if (!o.save_dir.empty()) save_files(result, o.save_dir);
  if (result.ok()) return 0;
  for (const auto& c : result.checks)
    if (!c.ok) {
      std::cerr << "sesame: eID check failed: " << c.name << ": " << c.detail << "\n";
      break;
    }
  return 1;
}

// The split middleware's front end: PACE here, the verification at the back end (docs/EID.md).
int present(EidCommands::Options& o, const std::string& state_dir, const std::string& config_path) {
  const int where = (o.url.empty() ? 0 : 1) + (o.pcsc.empty() ? 0 : 1) + (o.seid.empty() ? 0 : 1);
  if (where != 1) fail(Errc::invalid_argument, "name exactly one card: SEID (state dir), --url racs://... or --pcsc READER");
  eid::check_transaction_id(o.transaction);
  eid::BackEndEndpoint endpoint;
  eid::parse_back_end_url(o.back_end, endpoint);
  endpoint.ca = o.back_end_ca;
  endpoint.pin_sha256 = o.back_end_pin;
  endpoint.timeout = std::chrono::milliseconds(o.timeout_ms);
  eid::HttpsBackEndLink link(endpoint);  // refuses a back end that is not pinned
  eid::PresentOptions po;
  if (!o.handover_key.empty()) {
    const crypto::PublicKey k = crypto::public_key_from_pem(server::read_text_file(o.handover_key));
    const auto* ec = std::get_if<crypto::EcPublicKey>(&k);
    if (!ec) fail(Errc::invalid_argument, "--handover-key: not an EC public key");
    po.handover_key = *ec;
  }
  std::vector<eid::PacePassword> pw = passwords(o);
  if (pw.size() != 1) fail(Errc::invalid_argument, "present: give one of --pin, --can or --mrz (or none: PIN prompt)");
  eid::PresentResult result;
  try {
    with_card_reader({o.seid, o.url, o.pcsc, o.cert, o.key, o.ca, o.pin_sha256, o.timeout_ms}, state_dir, config_path,
                     [&](host::Reader& reader) {
                       reader.connect();
                       result = eid::present_eid(reader, pw.front(), o.transaction, link, po);
                     });
  } catch (const eid::BackEndRefused& e) {
    std::cerr << "sesame: eID presentation failed: " << e.what() << "\n";
    return 1;
  }
  std::cout << "Transaction " << o.transaction << ": the back end verified the card (" << result.commands_relayed
            << " commands relayed); the relying party fetches the DigitalID\n";
  return 0;
}

}  // namespace

EidCommands::EidCommands(CLI::App& app) : o_(std::make_unique<Options>()) {
  Options& o = *o_;
  o.eid = app.add_subcommand("eid", "issue and read eID cards (ICAO 9303, PACE + CA; docs/EID.md)");
  o.eid->require_subcommand(1);
  o.eid->fallthrough();
  o.issue = o.eid->add_subcommand("issue", "issue an eID card into the local state dir");
  o.issue->add_option("--identity", o.identity, "the identity (JSON, docs/EID.md)")->required();
  o.issue->add_option("--pki", o.pki, "the PKI directory of sesame pki init (ds.pem, ds.key)")->required();
  o.issue->add_option("--seid", o.seid, "SEID of the new card (default: random)");
  o.issue->add_option("--pin", o.pin, "PIN, 6 digits (default: random, printed once)");
  o.issue->add_option("--can", o.can, "CAN, 6 digits (default: random, printed once)");
  o.issue->add_option("--puk", o.puk, "PUK, 8-12 digits (default: 10 random digits, printed once)");
  o.issue->add_option("--parameter-id", o.parameter_id, "PACE/CA curve: 12 P-256, 13 brainpoolP256r1, 15 P-384, 16 brainpoolP384r1")
      ->capture_default_str();
  o.read = o.eid->add_subcommand("read", "PACE, Chip Authentication, read and verify (passive authentication)");
  o.read->add_option("SEID", o.seid, "a card of the local state dir");
  o.read->add_option("--url", o.url, "a remote card: racs://host:port/SEID");
  o.read->add_option("--pcsc", o.pcsc, "a card in this PC/SC reader");
  o.read->add_option("--cert", o.cert, "RACS client certificate PEM (default: <state-dir>/pki/admin.pem)");
  o.read->add_option("--key", o.key, "its private key PEM (default: <state-dir>/pki/admin.key)");
  o.read->add_option("--ca", o.ca, "pin the RACS server's CA (default: <state-dir>/pki/ca.pem)");
  o.read->add_option("--pin-sha256", o.pin_sha256, "pin the RACS server certificate: SHA-256 of its DER in hex");
  o.read->add_option("--timeout-ms", o.timeout_ms, "RACS: timeout of each network step")->capture_default_str();
  o.read->add_option("--pin", o.pin, "PACE with the PIN (default: asked on the terminal without echo)");
  o.read->add_option("--can", o.can, "PACE with the CAN (with --pin: the CAN first, resuming a suspended PIN)");
  o.read->add_option("--mrz", o.mrz, "PACE with the MRZ: DOCUMENT_NUMBER,YYMMDD(birth),YYMMDD(expiry)");
  o.read->add_option("--csca", o.cscas, "trusted CSCA certificate(s), PEM (repeatable)")->required();
  o.read->add_option("--crl", o.crls, "CRL(s) of the CSCA, PEM: the Document Signer must not be revoked");
  o.read->add_option("--save", o.save_dir, "write the files read to this directory (dgN.bin, ef_sod.bin, ef_sod.p7)");

  o.present = o.eid->add_subcommand("present", "split middleware front end: PACE here, verification by a back end");
  o.present->add_option("SEID", o.seid, "a card of the local state dir");
  o.present->add_option("--url", o.url, "a remote card: racs://host:port/SEID");
  o.present->add_option("--pcsc", o.pcsc, "a card in this PC/SC reader");
  o.present->add_option("--cert", o.cert, "RACS client certificate PEM (default: <state-dir>/pki/admin.pem)");
  o.present->add_option("--key", o.key, "its private key PEM (default: <state-dir>/pki/admin.key)");
  o.present->add_option("--ca", o.ca, "pin the RACS server's CA (default: <state-dir>/pki/ca.pem)");
  o.present->add_option("--pin-sha256", o.pin_sha256, "pin the RACS server certificate: SHA-256 of its DER in hex");
  o.present->add_option("--back-end", o.back_end, "the verification back end: https://host:port")->required();
  o.present->add_option("--back-end-ca", o.back_end_ca, "pin the back end's CA certificate (PEM)");
  o.present->add_option("--back-end-sha256", o.back_end_pin, "pin the back end's certificate: SHA-256 of its DER in hex");
  o.present->add_option("--transaction", o.transaction, "the transaction ID the relying party gave")->required();
  o.present->add_option("--handover-key", o.handover_key, "the back end's handover key (PEM; default: asked over the pinned TLS)");
  o.present->add_option("--timeout-ms", o.timeout_ms, "timeout of each network step")->capture_default_str();
  o.present->add_option("--pin", o.pin, "PACE with the PIN (default: asked on the terminal without echo)");
  o.present->add_option("--can", o.can, "PACE with the CAN instead of the PIN");
  o.present->add_option("--mrz", o.mrz, "PACE with the MRZ: DOCUMENT_NUMBER,YYMMDD(birth),YYMMDD(expiry)");
}

EidCommands::~EidCommands() = default;

bool EidCommands::parsed() const { return o_->eid->parsed(); }

int EidCommands::run(const std::string& state_dir, const std::string& config_path) {
  Options& o = *o_;
  if (o.read->parsed()) return read(o, state_dir, config_path);
  if (o.present->parsed()) return present(o, state_dir, config_path);
  server::ServerConfig config;
  if (!config_path.empty()) config = server::load_config(config_path);
  server::LocalState local(state_dir, config, /*create=*/true);
  issue(o, local.cards());
  return 0;
}

}  // namespace sesame::cli
