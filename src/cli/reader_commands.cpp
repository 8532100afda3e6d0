#include "cli/reader_commands.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/apdu_script.h"
#include "host/pcsc_reader.h"
#include "host/racs/racs_client.h"
#include "host/racs/racs_reader.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::cli {
namespace {

using host::racs::RacsUri;

std::shared_ptr<host::racs::RacsClient> racs_client(const RacsCommandOptions& o, const RacsUri& uri) {
  host::racs::RacsClientOptions opts;
  opts.timeout = std::chrono::milliseconds(o.timeout_ms);
  return std::make_shared<host::racs::RacsClient>(uri.host, uri.port,
                                                  host::racs::make_client_tls(racs_credentials(o)), opts);
}

RacsUri card_uri(const RacsCommandOptions& o) {
  RacsUri uri = RacsUri::parse(o.url);
  if (uri.seid.empty()) fail(Errc::invalid_argument, "the URL names no card: racs://host:port/SEID");
  return uri;
}

std::string pick_reader(const std::string& wanted) {
  const std::vector<std::string> names = host::list_pcsc_readers();
  if (names.empty()) fail(Errc::not_found, "no PC/SC reader (is pcscd running?)");
  if (wanted.empty()) return names.front();
  for (const auto& n : names)
    if (n == wanted) return n;
  if (wanted.find_first_not_of("0123456789") == std::string::npos && wanted.size() < 4) {
    const std::size_t i = std::stoul(wanted);
    if (i < names.size()) return names[i];
  }
  fail(Errc::not_found, "no PC/SC reader named " + wanted);
}

host::PcscReader open_pcsc(const PcscCommandOptions& o) {
  host::PcscProtocol p = host::PcscProtocol::any;
  if (o.protocol == "t0")
    p = host::PcscProtocol::t0;
  else if (o.protocol == "t1")
    p = host::PcscProtocol::t1;
  else if (o.protocol != "any")
    fail(Errc::invalid_argument, "--protocol is any, t0 or t1");
  return host::PcscReader(pick_reader(o.reader), p);
}

}  // namespace

// Explicit options win; otherwise the development PKI sesamed made in the state dir, so that
// `sesame racs list --url racs://localhost` works beside `make run`.
host::racs::RacsCredentials racs_credentials(const RacsCommandOptions& o) {
  const std::filesystem::path pki = std::filesystem::path(o.state_dir.empty() ? "var" : o.state_dir) / "pki";
  auto or_default = [&](const std::string& given, const char* file) {
    if (!given.empty()) return std::filesystem::path(given);
    const auto p = pki / file;
    return std::filesystem::exists(p) ? p : std::filesystem::path();
  };
  host::racs::RacsCredentials c;
  c.cert = or_default(o.cert, "admin.pem");
  c.key = or_default(o.key, "admin.key");
  c.pin_sha256 = o.pin_sha256;
  c.ca = o.ca.empty() && o.pin_sha256.empty() ? or_default("", "ca.pem") : std::filesystem::path(o.ca);
  if (c.cert.empty() || c.key.empty())
    fail(Errc::invalid_argument,
         "no client certificate: give --cert and --key (or run sesamed once for the dev PKI)");
  return c;
}


std::string sw_text(ByteView response) {
  if (response.size() < 2) return "(no status word)";
  return iso7816::sw_name(get_u16(response, response.size() - 2));
}

void print_exchange(ByteView command, ByteView response) {
  std::cout << "> " << to_hex(command) << "\n< ";
  if (response.size() > 2) std::cout << to_hex(response.subspan(0, response.size() - 2)) << " ";
  std::cout << sw_text(response) << "\n";
}

void send_apdus(host::Reader& reader, const std::vector<std::string>& apdus_hex) {
  std::vector<Bytes> commands;
  for (const auto& h : apdus_hex) commands.push_back(from_hex(h));  // all checked before any is sent
  for (const auto& c : commands) print_exchange(c, reader.transmit_raw(c));
}

void run_reader_script(host::Reader& reader, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(Errc::io, "cannot read script " + file);
  std::ostringstream text;
  text << in.rdbuf();
  std::vector<ScriptStep> steps;
  try {
    steps = parse_apdu_script(text.str());
  } catch (const Error& e) {
    fail(Errc::parse, file + ": " + e.what());
  }
  for (const ScriptStep& step : steps) {
    const Bytes response = reader.transmit_raw(step.command);
    print_exchange(step.command, response);
    if (step.expected && !step.expected->matches(response)) {
      std::cerr << "sesame: " << file << ":" << step.line << ": expected " << step.expected->describe()
                << ", got " << to_hex(response) << " (" << sw_text(response) << ")\n";
      throw ScriptMismatch{};
    }
  }
}

void racs_list(const RacsCommandOptions& o) {
  auto client = racs_client(o, RacsUri::parse(o.url));
  for (const auto& seid : client->list()) std::cout << seid << "\n";
  client->close();
}

void racs_apdu(const RacsCommandOptions& o, const std::vector<std::string>& apdus_hex) {
  const RacsUri uri = card_uri(o);
  for (const auto& h : apdus_hex) from_hex(h);  // a typo fails before the connection is made
  host::racs::RacsReader reader(racs_client(o, uri), uri.seid);
  send_apdus(reader, apdus_hex);
  reader.client().close();  // the server powers the card off and releases it
}

void racs_script(const RacsCommandOptions& o, const std::string& file) {
  const RacsUri uri = card_uri(o);
  host::racs::RacsReader reader(racs_client(o, uri), uri.seid);
  run_reader_script(reader, file);
  reader.client().close();
}

void pcsc_list() {
  for (const auto& n : host::list_pcsc_readers()) std::cout << n << "\n";
}

void pcsc_atr(const PcscCommandOptions& o, const std::string& reset) {
  if (!reset.empty() && reset != "warm" && reset != "cold")
    fail(Errc::invalid_argument, "--reset is warm or cold");
  host::PcscReader reader = open_pcsc(o);
  const Bytes atr = reset.empty() ? reader.connect() : reader.reset(reset == "warm");
  std::cout << to_hex(atr) << " " << reader.active_protocol() << "\n";
  reader.disconnect();
}

void pcsc_apdu(const PcscCommandOptions& o, const std::vector<std::string>& apdus_hex) {
  for (const auto& h : apdus_hex) from_hex(h);
  host::PcscReader reader = open_pcsc(o);  // connects on the first APDU
  send_apdus(reader, apdus_hex);
  reader.disconnect();
}

void pcsc_script(const PcscCommandOptions& o, const std::string& file) {
  host::PcscReader reader = open_pcsc(o);  // connects on the first APDU, after the script parsed
  run_reader_script(reader, file);
  reader.disconnect();
}

}  // namespace sesame::cli
