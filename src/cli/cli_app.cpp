#include "cli/cli_app.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "card/card_service.h"
#include "cli/audit_commands.h"
#include "cli/eid_commands.h"
#include "cli/gp_commands.h"
#include "cli/life_cycle_names.h"
#include "cli/pki_commands.h"
#include "cli/pay_commands.h"
#include "cli/reader_commands.h"
#include "host/in_process_reader.h"
#include "iso7816/status_word.h"
#include "server/config.h"
#include "server/local_state.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::cli {
namespace {

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

void show_card(card::CardService& cards, const std::string& seid) {
  const card::CardInfo info = cards.info(seid);
  std::cout << "SEID:       " << info.seid << "\n"
            << "ATR:        " << to_hex(info.atr) << "\n"
            << "Life cycle: " << card_life_cycle_name(static_cast<std::uint8_t>(info.life_cycle)) << "\n"
            << "Powered:    " << (info.powered ? "yes" : "no") << "\n"
            << "Applets:\n";
  for (const auto& a : info.applets) {
    std::cout << "  " << to_hex(a.aid) << "  " << (a.security_domain ? "ISD " : "") << a.module << "  "
              << (a.security_domain ? card_life_cycle_name(a.life_cycle)
                                    : applet_life_cycle_name(a.life_cycle))
              << "\n";
  }
}

}  // namespace

int cli_main(int argc, char** argv) {
  CLI::App app{"sesame: administer the hosted cards of a local state dir (see docs/CLI.md)"};
  app.require_subcommand(1);
  app.fallthrough();  // --state-dir/--config may also follow the subcommand
  std::string state_dir = "var", config_path;
  app.add_option("--state-dir", state_dir, "sesamed state dir")->capture_default_str();
  app.add_option("--config", config_path, "sesamed config, for non-default store paths");

  auto* card_cmd = app.add_subcommand("card", "create, list, show and delete cards");
  card_cmd->require_subcommand(1);
  std::string seid, label, module, aid_hex, params_hex, script;
  std::vector<std::string> apdus;
  auto* create = card_cmd->add_subcommand("create", "create a card (SECURED, with its ISD)");
  create->add_option("--seid", seid, "SEID: 1-64 of A-Z a-z 0-9 . _ - (default: random)");
  create->add_option("--label", label, "free text");
  auto* list = card_cmd->add_subcommand("list", "list the cards' SEIDs");
  auto* show = card_cmd->add_subcommand("show", "ATR, life cycle and applets of a card");
  show->add_option("SEID", seid)->required();
  auto* del = card_cmd->add_subcommand("delete", "delete a card and destroy its key");
  del->add_option("SEID", seid)->required();

  auto* applet_cmd = app.add_subcommand("applet", "manage applets");
  applet_cmd->require_subcommand(1);
  auto* install = applet_cmd->add_subcommand("install", "install an applet instance");
  install->add_option("SEID", seid)->required();
  install->add_option("MODULE", module, "applet module, e.g. sesame.demo")->required();
  install->add_option("AID", aid_hex, "instance AID, 5-16 bytes in hex")->required();
  install->add_option("--params", params_hex, "install parameters (hex)");

  auto* apdu_cmd = app.add_subcommand("apdu", "send command APDUs to a card");
  apdu_cmd->add_option("SEID", seid)->required();
  apdu_cmd->add_option("APDU", apdus, "command APDUs in hex, one per argument");
  apdu_cmd->add_option("--script", script, "file of APDUs with expected answers (docs/CLI.md)");

  // Cards elsewhere: a RACS server (TLS) or a PC/SC reader. These never open the state dir.
  RacsCommandOptions racs;
  auto* racs_cmd = app.add_subcommand("racs", "list cards and send APDUs to a RACS server over TLS");
  racs_cmd->require_subcommand(1);
  racs_cmd->fallthrough();
  racs_cmd->add_option("--url", racs.url, "racs://host:port[/SEID] (port 7777 by default)")->required();
  racs_cmd->add_option("--cert", racs.cert, "client certificate PEM (default: <state-dir>/pki/admin.pem)");
  racs_cmd->add_option("--key", racs.key, "its private key PEM (default: <state-dir>/pki/admin.key)");
  racs_cmd->add_option("--ca", racs.ca, "pin the server's CA (default: <state-dir>/pki/ca.pem)");
  racs_cmd->add_option("--pin-sha256", racs.pin_sha256,
                       "pin the server certificate: SHA-256 of its DER in hex");
  racs_cmd->add_option("--timeout-ms", racs.timeout_ms, "timeout of each network step")
      ->capture_default_str();
  auto* racs_list_cmd = racs_cmd->add_subcommand("list", "the SEIDs this user may see");
  auto* racs_apdu_cmd = racs_cmd->add_subcommand("apdu", "send command APDUs to the URL's card");
  racs_apdu_cmd->add_option("APDU", apdus, "command APDUs in hex, one per argument")->required();
  auto* racs_script_cmd = racs_cmd->add_subcommand("script", "run an APDU script against the URL's card");
  racs_script_cmd->add_option("FILE", script, "file of APDUs with expected answers (docs/CLI.md)")
      ->required();

  PcscCommandOptions pcsc;
  std::string pcsc_reset;
  auto* pcsc_cmd = app.add_subcommand("pcsc", "list PC/SC readers and send APDUs to their cards");
  pcsc_cmd->require_subcommand(1);
  pcsc_cmd->fallthrough();
  pcsc_cmd->add_option("--reader", pcsc.reader, "reader name or index (default: the first reader)");
  pcsc_cmd->add_option("--protocol", pcsc.protocol, "any, t0 or t1")->capture_default_str();
  auto* pcsc_list_cmd = pcsc_cmd->add_subcommand("list", "the PC/SC reader names");
  auto* pcsc_atr_cmd = pcsc_cmd->add_subcommand("atr", "the card's ATR and the protocol in use");
  pcsc_atr_cmd->add_option("--reset", pcsc_reset, "reset the card first: warm or cold");
  auto* pcsc_apdu_cmd = pcsc_cmd->add_subcommand("apdu", "send command APDUs to the card in the reader");
  pcsc_apdu_cmd->add_option("APDU", apdus, "command APDUs in hex, one per argument")->required();
  auto* pcsc_script_cmd =
      pcsc_cmd->add_subcommand("script", "run an APDU script against the card in the reader");
  pcsc_script_cmd->add_option("FILE", script, "file of APDUs with expected answers (docs/CLI.md)")
      ->required();

  GpCommands gp_cmds(app);  // sesame gp ... (docs/GP.md)
  AuditCommands audit_cmds(app);  // sesame audit ... (docs/SIGNING.md)
  PkiCommands pki_cmds(app);  // sesame pki ... (docs/EID.md)
  EidCommands eid_cmds(app);  // sesame eid ... (docs/EID.md)
  PayCommands pay_cmds(app);  // sesame pay ... (docs/EMV.md)

  try {
    app.parse(argc, argv);
    if (apdu_cmd->parsed() && apdus.empty() == script.empty())
      throw CLI::ValidationError("apdu", "give APDUs in hex or --script FILE (exactly one of them)");
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : exit_usage;
  }

  try {
    if (pki_cmds.parsed()) {
      pki_cmds.run();
      return 0;
    }
    if (eid_cmds.parsed()) return eid_cmds.run(state_dir, config_path);
    if (gp_cmds.parsed()) {
      gp_cmds.run(state_dir, config_path);
      return 0;
    }
    if (audit_cmds.parsed()) {
      audit_cmds.run(state_dir, config_path);
      return 0;
    }
    if (pay_cmds.parsed()) return pay_cmds.run(state_dir, config_path);
    if (racs_cmd->parsed() || pcsc_cmd->parsed()) {
      racs.state_dir = state_dir;
      if (racs_list_cmd->parsed()) racs_list(racs);
      if (racs_apdu_cmd->parsed()) racs_apdu(racs, apdus);
      if (racs_script_cmd->parsed()) racs_script(racs, script);
      if (pcsc_list_cmd->parsed()) pcsc_list();
      if (pcsc_atr_cmd->parsed()) pcsc_atr(pcsc, pcsc_reset);
      if (pcsc_apdu_cmd->parsed()) pcsc_apdu(pcsc, apdus);
      if (pcsc_script_cmd->parsed()) pcsc_script(pcsc, script);
      return 0;
    }
    server::ServerConfig config;
    if (!config_path.empty()) config = server::load_config(config_path);
    server::LocalState local(state_dir, config, /*create=*/create->parsed());
    card::CardService& cards = local.cards();

    if (create->parsed()) {
      std::cout << cards.create_card({.seid = seid, .label = label}) << "\n";
    } else if (list->parsed()) {
      for (const auto& s : cards.list_cards()) std::cout << s << "\n";
    } else if (show->parsed()) {
      show_card(cards, seid);
    } else if (del->parsed()) {
      if (!cards.exists(seid)) fail(Errc::not_found, "no card " + seid);
      cards.delete_card(seid);
      std::cout << "deleted " << seid << "\n";
    } else if (install->parsed()) {
      const Bytes aid = from_hex(aid_hex);
      const Bytes params = from_hex(params_hex);
      cards.install_applet(seid, module, aid, params);
      std::cout << "installed " << module << " as " << to_hex(aid) << " on " << seid << "\n";
    } else if (apdu_cmd->parsed()) {
      if (!cards.exists(seid)) fail(Errc::not_found, "no card " + seid);
      if (!script.empty()) {
        host::InProcessReader reader(cards, seid);  // the same script runner as sesame racs/pcsc
        run_reader_script(reader, script);
      } else {
        std::vector<Bytes> commands;
        for (const auto& h : apdus) commands.push_back(from_hex(h));  // all checked before any is sent
        for (const auto& c : commands) print_exchange(c, cards.transmit(seid, c));
      }
    }
  } catch (const ScriptMismatch&) {
    return exit_failure;
  } catch (const Error& e) {
    std::cerr << "sesame: error: " << e.what() << "\n";
    return exit_failure;
  } catch (const std::exception& e) {
    std::cerr << "sesame: error: " << e.what() << "\n";
    return exit_failure;
  }
  return 0;
}

}  // namespace sesame::cli
