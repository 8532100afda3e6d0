#include "server/sesamed_app.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <asio.hpp>
#include <cstdio>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include "card/card_service.h"
#include "crypto/tls_context.h"
#include "server/card_locks.h"
#include "server/config.h"
#include "server/demo_cards.h"
#include "server/dev_pki.h"
#include "server/file_io.h"
#include "server/local_state.h"
#include "server/shutdown_signals.h"
#include "server/status_routes.h"
#include "server/wsca_routes.h"
#include "server/eid_routes.h"
#include "server/http/https_listener.h"
#include "server/racs/access_tables.h"
#include "server/racs/racs_audit.h"
#include "server/io_loops.h"
#include "server/racs/racs_listener.h"
#include "server/vpcd_bridge.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::server {
namespace {

constexpr int exit_runtime = 1;
constexpr int exit_usage = 2;

// The logger is not registered by name, so sesamed_main() may run again in the same process (tests).
void setup_logging(const std::string& level) {
  auto logger = std::make_shared<spdlog::logger>("sesamed", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::info);
}

// SEIDs only: loading a card here would fail the whole start for one tampered card, and with the
// PostgreSQL store would lease every card to whichever node started first.
void log_cards(const card::CardService& cards) {
  constexpr std::size_t shown = 20;
  const auto seids = cards.list_cards();
  if (seids.empty()) {
    spdlog::info("no cards yet (create one: sesame card create --state-dir DIR)");
    return;
  }
  std::string names;
  for (std::size_t i = 0; i < seids.size() && i < shown; ++i) names += (i ? ", " : "") + seids[i];
  if (seids.size() > shown) names += " and " + std::to_string(seids.size() - shown) + " more";
  spdlog::info("{} card{} in the store: {}", seids.size(), seids.size() == 1 ? "" : "s", names);
}

// A configuration mistake found after the config file parsed (an access table): exit code 2.
class ConfigError final : public Error {
 public:
  explicit ConfigError(const std::string& what) : Error(Errc::parse, what) {}
};

// What the RACS listener needs, prepared before the event loop starts.
struct RacsSetup {
  racs::RacsConfig config;
  std::string listen_address;
  crypto::TlsContext tls;
  std::unique_ptr<racs::PolicySource> policy;
  std::unique_ptr<racs::AuditLog> audit;
  std::string hint;  // how to connect, logged once listening
  std::filesystem::path state_dir;  // to reload the access tables
};

// SIGHUP: read the access tables again ([racs.users] as loaded from the config at start, users.txt
// and the <SEID>.txt of every card that exists now). A table with an error changes nothing.
void reload_access_tables(RacsSetup& setup, card::CardService& cards) {
  try {
    racs::AccessPolicy fresh = racs::build_access_policy(setup.config, setup.state_dir, cards.list_cards());
    const std::size_t users = fresh.user_count();
    setup.policy->replace(std::move(fresh));
    spdlog::info("racs: access tables reloaded ({} users); sessions apply them from their next request", users);
    setup.audit->write("access tables reloaded users=" + std::to_string(users));
  } catch (const std::exception& e) {
    spdlog::error("racs: access tables not reloaded, the previous ones stay in force: {}", e.what());
  }
}

std::optional<RacsSetup> prepare_racs(const ServerConfig& config, const std::filesystem::path& state,
                                      const DevPki& pki, card::CardService& cards) {
  const racs::RacsConfig& rc = config.racs;
  if (!rc.enabled) return std::nullopt;
  const auto cert = rc.certificate.empty() ? pki.server_cert : resolve_in_state_dir(state, rc.certificate);
  const auto key = rc.private_key.empty() ? pki.server_key : resolve_in_state_dir(state, rc.private_key);
  const auto ca = rc.client_ca.empty() ? pki.ca_cert : resolve_in_state_dir(state, rc.client_ca);
  crypto::TlsServerConfig tc{crypto::TlsIdentity::from_pem_files(cert, key), crypto::load_certificate_bundle(ca),
                             rc.verify_depth};
  racs::AccessPolicy policy = [&] {
    try {
      return racs::build_access_policy(rc, state, cards.list_cards());
    } catch (const Error& e) {
      throw ConfigError(std::string("racs access tables: ") + e.what());
    }
  }();
  if (policy.user_count() == 0)
    spdlog::warn("racs: no users configured ([racs.users] or users.txt in racs.acl_dir): every client is refused");
  std::unique_ptr<racs::AuditLog> audit =
      rc.audit_log.empty() ? racs::make_log_audit() : racs::make_file_audit(resolve_in_state_dir(state, rc.audit_log));
  std::string host = config.listen_address.find(':') != std::string::npos ? "[" + config.listen_address + "]"
                                                                          : config.listen_address;
  std::string hint = "openssl s_client -connect " + host + ":" + std::to_string(rc.port) + " -cert " +
                     pki.admin_cert.string() + " -key " + pki.admin_key.string() + " -CAfile " + pki.ca_cert.string();
  return RacsSetup{rc,
                   config.listen_address,
                   crypto::TlsContext::make_server(tc),
                   std::make_unique<racs::PolicySource>(std::move(policy)),
                   std::move(audit),
                   std::move(hint),
                   state};
}

// What the HTTPS listener needs, prepared before the event loop starts.
struct HttpSetup {
  http::HttpConfig config;
  std::string listen_address;
  crypto::TlsContext tls;
  WscaRoutesConfig wsca;  // the WSCA API's attestation PKI and status lists
};

std::optional<HttpSetup> prepare_http(const ServerConfig& config, const std::filesystem::path& state,
                                      const DevPki& pki) {
  const http::HttpConfig& hc = config.http;
  if (!hc.enabled) return std::nullopt;
  const auto cert = hc.certificate.empty() ? pki.server_cert : resolve_in_state_dir(state, hc.certificate);
  const auto key = hc.private_key.empty() ? pki.server_key : resolve_in_state_dir(state, hc.private_key);
  const auto ca = hc.client_ca.empty() ? pki.ca_cert : resolve_in_state_dir(state, hc.client_ca);
  crypto::TlsServerConfig tc{crypto::TlsIdentity::from_pem_files(cert, key), crypto::load_certificate_bundle(ca)};
  tc.client_certificate_required = hc.client_certificate_required;
  return HttpSetup{hc, config.listen_address, crypto::TlsContext::make_server(tc),
                   WscaRoutesConfig{pki.ca_cert.parent_path(), state, config.wsca.provider_clients,
                                    config.wsca.public_base_url.empty()
                                        ? "https://localhost:" + std::to_string(hc.port)
                                        : config.wsca.public_base_url}};
}

// Runs the event loops until SIGINT/SIGTERM. Everything it made is torn down before it returns.
// The vpcd bridges and the signals run on `io`, one thread (they have no strands); RACS runs on
// racs.io_threads loops of its own (an io_context and a thread each), each session doing its card
// work inline on its loop, so a request costs no thread hop and a durable commit stalls one loop only.
void serve(card::CardService& cards, const std::vector<VpcdSlot>& slots, RacsSetup* racs_setup,
           HttpSetup* http_setup) {
  asio::io_context io;
  // RACS and HTTPS share the network loops (racs.io_threads of them).
  IoLoops racs_loops(racs::io_thread_count(racs_setup ? racs_setup->config : racs::RacsConfig{}));
  asio::thread_pool card_pool(2);
  CardLocks locks;  // one lock per card for every transport: vpcd slots and RACS sessions
  std::vector<std::unique_ptr<VpcdBridge>> bridges;
  for (std::size_t i = 0; i < slots.size(); ++i)
    bridges.push_back(
        std::make_unique<VpcdBridge>(io, card_pool, cards, locks, slots[i], "vpcd slot " + std::to_string(i)));
  std::unique_ptr<racs::RacsListener> racs_listener;
  if (racs_setup)
    racs_listener = std::make_unique<racs::RacsListener>(racs_loops, card_pool, cards, racs_setup->config,
                                                         racs_setup->tls, *racs_setup->policy, *racs_setup->audit,
                                                         racs_setup->listen_address, &locks);

  http::Router router;
  add_status_routes(router, cards);
  std::unique_ptr<WscaApi> wsca_api;  // docs/WSCA.md, "HTTPS API"
  std::unique_ptr<EidApi> eid_api;    // the eID split middleware's relay
  if (http_setup) {
    wsca_api = std::make_unique<WscaApi>(cards, locks, http_setup->wsca);
    wsca_api->add_routes(router);
    eid_api = EidApi::load(http_setup->wsca.state_dir, http_setup->wsca.pki_dir);  // docs/EID.md
    if (eid_api) eid_api->add_routes(router);
  }
  std::unique_ptr<http::HttpsListener> https_listener;
  if (http_setup)
    https_listener = std::make_unique<http::HttpsListener>(racs_loops, http_setup->tls, router,
                                                           http_setup->listen_address, http_setup->config.port,
                                                           http_setup->config.limits);

  asio::signal_set hangup(io);
  std::function<void()> wait_hangup = [&] {
    hangup.async_wait([&](const asio::error_code& ec, int) {
      if (ec) return;
      reload_access_tables(*racs_setup, cards);
      wait_hangup();
    });
  };
  if (racs_setup) {
    hangup.add(SIGHUP);
    wait_hangup();
  }
  ShutdownSignals signals(io, [&](int signo) {
    spdlog::info("{} received, stopping (send it again to exit at once)", signo == SIGINT ? "SIGINT" : "SIGTERM");
    for (auto& b : bridges) b->stop();
    if (racs_listener) racs_listener->stop();
    if (https_listener) https_listener->stop();
    racs_loops.release();
    asio::error_code ignored;
    hangup.cancel(ignored);  // so io.run() can return
  });
  for (auto& b : bridges) b->start();
  const std::size_t n = racs_loops.size();
  if (racs_listener) {
    racs_listener->start();
    spdlog::info("RACS listening on {}:{} (TLS, client certificate required, {} I/O thread{}); try: {}",
                 racs_setup->listen_address, racs_listener->port(), n, n == 1 ? "" : "s", racs_setup->hint);
  }
  if (https_listener) {
    https_listener->start();
    spdlog::info("HTTPS listening on {}:{} (client certificate {}); try: curl https://localhost:{}/health",
                 http_setup->listen_address, https_listener->port(),
                 http_setup->config.client_certificate_required ? "required" : "optional", https_listener->port());
  }
  if (racs_listener || https_listener) racs_loops.run_threads([&io] { io.stop(); });  // a failing loop stops sesamed
  if (bridges.empty() && !racs_listener && !https_listener)
    spdlog::info("no listeners configured (enable [racs] or [http], add a [[vpcd]] slot or --vpcd HOST:PORT)");
  spdlog::info("sesamed running; Ctrl-C or SIGTERM stops it");

  // With no bridge the signal wait is the only work, so run() returns exactly when a signal came.
  io.run();
  // The RACS threads return once every session has ended; card work still in flight finishes, and
  // its completions (a session's end, a vpcd answer) find the listeners stopped.
  racs_loops.release();  // also when io.run() ended for a failure rather than a signal
  racs_loops.join_threads();
  card_pool.join();
  if (const auto failure = racs_loops.failure()) std::rethrow_exception(failure);
  racs_loops.drain();
  io.restart();
  io.run();
  racs_listener.reset();
  https_listener.reset();
  bridges.clear();
}

}  // namespace

int sesamed_main(int argc, char** argv) {
  CLI::App app{"sesamed: hosts secure elements (virtual smart cards) in software"};
  std::string config_path, state_dir;
  std::vector<std::string> vpcd_args;
  app.add_option("--config", config_path, "TOML configuration file (docs/CONFIGURATION.md)")->required();
  app.add_option("--state-dir", state_dir, "directory for the database, master key and dev PKI")->required();
  app.add_option("--vpcd", vpcd_args,
                 "connect a card to vpcd at HOST:PORT[,SEID] (repeat for the second slot; replaces "
                 "the config's [[vpcd]] slots)")
      ->take_all();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : exit_usage;
  }

  ServerConfig config;
  try {
    config = load_config(config_path);
    if (!vpcd_args.empty()) {
      config.vpcd.clear();
      for (const auto& a : vpcd_args) config.vpcd.push_back(parse_vpcd_slot(a));
      if (config.vpcd.size() > 2) fail(Errc::parse, "--vpcd: at most two slots (vpcd serves two readers)");
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "sesamed: configuration error: %s\n", e.what());
    return exit_usage;
  }
  setup_logging(config.log_level);

  try {
    const std::filesystem::path state(state_dir);
    ensure_private_dir(state);
    const DevPki pki = ensure_dev_pki(resolve_in_state_dir(state, config.pki_dir));
    spdlog::info("{} development PKI in {} (CA {}, server {}, admin client {})",
                 pki.created ? "created" : "using", pki.ca_cert.parent_path().string(),
                 pki.ca_cert.filename().string(), pki.server_cert.filename().string(),
                 pki.admin_cert.filename().string());

    {
      LocalState local(state, config, /*create=*/true);
      spdlog::info("{} store {}", local.created() ? "created" : "opened", local.store_description());
      card::CardService& cards = local.cards();
      if (local.created() && config.demo_cards) {
        for (const DemoCard& d : create_demo_cards(cards))
          spdlog::info("created demo card SEID {} ({}; applet AID {})", d.seid, d.label, to_hex(d.aid));
      }
      log_cards(cards);

      std::vector<VpcdSlot> slots = config.vpcd;
      for (auto& slot : slots) {
        if (slot.seid.empty()) {
          const auto all = cards.list_cards();
          if (all.empty())
            fail(Errc::not_found, "vpcd slot " + slot.host + ":" + std::to_string(slot.port) +
                                      " needs a card, and there is none");
          const auto demos = demo_card_plan();
          slot.seid = cards.exists(demos.front().seid) ? demos.front().seid : all.front();
        } else if (!cards.exists(slot.seid)) {
          fail(Errc::not_found,
               "vpcd slot " + slot.host + ":" + std::to_string(slot.port) + ": no card " + slot.seid);
        }
      }
      std::optional<RacsSetup> racs_setup;
      try {
        racs_setup = prepare_racs(config, state, pki, cards);
      } catch (const ConfigError& e) {
        spdlog::critical("configuration error: {}", e.what());
        return exit_usage;
      }
      std::optional<HttpSetup> http_setup = prepare_http(config, state, pki);
      serve(cards, slots, racs_setup ? &*racs_setup : nullptr, http_setup ? &*http_setup : nullptr);
    }  // the store closes here, after every connection
    spdlog::info("stopped; store closed");
  } catch (const Error& e) {
    spdlog::critical("{} ({})", e.what(), errc_name(e.code()));
    return exit_runtime;
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return exit_runtime;
  }
  return 0;
}

}  // namespace sesame::server
