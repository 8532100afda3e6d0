#include "cli/cli_app.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "card/card_service.h"
#include "cli/apdu_script.h"
#include "cli/life_cycle_names.h"
#include "iso7816/status_word.h"
#include "server/config.h"
#include "server/local_state.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::cli {
namespace {

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

// Thrown for a script whose response did not match: the message is already printed.
struct ScriptMismatch {};

std::string sw_text(ByteView response) {
  if (response.size() < 2) return "(no status word)";
  return iso7816::sw_name(get_u16(response, response.size() - 2));
}

void print_exchange(ByteView command, ByteView response) {
  std::cout << "> " << to_hex(command) << "\n< ";
  if (response.size() > 2) std::cout << to_hex(response.subspan(0, response.size() - 2)) << " ";
  std::cout << sw_text(response) << "\n";
}

void run_script(card::CardService& cards, const std::string& seid, const std::string& file) {
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
    const Bytes response = cards.transmit(seid, step.command);
    print_exchange(step.command, response);
    if (step.expected && !step.expected->matches(response)) {
      std::cerr << "sesame: " << file << ":" << step.line << ": expected " << step.expected->describe()
                << ", got " << to_hex(response) << " (" << sw_text(response) << ")\n";
      throw ScriptMismatch{};
    }
  }
}

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

  try {
    app.parse(argc, argv);
    if (apdu_cmd->parsed() && apdus.empty() == script.empty())
      throw CLI::ValidationError("apdu", "give APDUs in hex or --script FILE (exactly one of them)");
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : exit_usage;
  }

  try {
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
        run_script(cards, seid, script);
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
