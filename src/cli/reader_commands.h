// `sesame racs ...` and `sesame pcsc ...`: APDUs and scripts sent through a host::Reader to a card
// elsewhere (a RACS server over TLS, or a PC/SC reader) instead of the local state dir.
#pragma once

#include <string>
#include <vector>

#include "host/racs/racs_client.h"
#include "host/reader.h"
#include "util/bytes.h"

namespace sesame::cli {

// Thrown for a script whose response did not match: the message is already printed.
struct ScriptMismatch {};

// "6A82 file or application not found", or "(no status word)".
std::string sw_text(ByteView response);
// "> command" and "< data SW name" lines, as every apdu command prints them.
void print_exchange(ByteView command, ByteView response);

// Every APDU (hex, all checked before the first is sent), raw: no GET RESPONSE is added, so the
// output shows exactly what the card answered.
void send_apdus(host::Reader& reader, const std::vector<std::string>& apdus_hex);
// An APDU script (docs/CLI.md). Throws ScriptMismatch after printing the mismatch.
void run_reader_script(host::Reader& reader, const std::string& file);

struct RacsCommandOptions {
  std::string url;  // racs://host:port[/SEID]
  std::string cert, key, ca, pin_sha256;
  std::string state_dir;  // for the dev PKI defaults: <state>/pki/admin.pem, admin.key, ca.pem
  int timeout_ms = 15000;
};

// The client certificate, key and server pin for a RACS connection: explicit options win, else the
// development PKI sesamed made in <state_dir>/pki (var/ by default). Error(invalid_argument) without
// a certificate.
host::racs::RacsCredentials racs_credentials(const RacsCommandOptions& options);

// `sesame racs list`: the SEIDs the user may see, one per line.
void racs_list(const RacsCommandOptions& options);
// `sesame racs apdu` / `sesame racs script`: over one TLS session to the URL's SEID.
void racs_apdu(const RacsCommandOptions& options, const std::vector<std::string>& apdus_hex);
void racs_script(const RacsCommandOptions& options, const std::string& file);

struct PcscCommandOptions {
  std::string reader;            // a name, or a 0-based index into pcsc_list(); empty = the first reader
  std::string protocol = "any";  // any, t0, t1
};

// `sesame pcsc list`: PC/SC reader names, one per line.
void pcsc_list();
// `sesame pcsc atr [--reset warm|cold]`: "ATR T=n", after the reset if one is asked for.
void pcsc_atr(const PcscCommandOptions& options, const std::string& reset);
void pcsc_apdu(const PcscCommandOptions& options, const std::vector<std::string>& apdus_hex);
void pcsc_script(const PcscCommandOptions& options, const std::string& file);

}  // namespace sesame::cli
