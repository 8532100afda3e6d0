#include "cli/card_target.h"

#include <chrono>

#include "card/card_service.h"
#include "cli/reader_commands.h"
#include "host/in_process_reader.h"
#include "host/pcsc_reader.h"
#include "host/racs/racs_reader.h"
#include "host/racs/racs_uri.h"
#include "server/config.h"
#include "server/local_state.h"
#include "util/error.h"

namespace sesame::cli {

void with_card_reader(const CardTarget& t, const std::string& state_dir, const std::string& config_path,
                      const std::function<void(host::Reader&)>& work) {
  if (!t.url.empty()) {
    const auto uri = host::racs::RacsUri::parse(t.url);
    if (uri.seid.empty()) fail(Errc::invalid_argument, "the URL names no card: racs://host:port/SEID");
    RacsCommandOptions r;
    r.cert = t.cert;
    r.key = t.key;
    r.ca = t.ca;
    r.pin_sha256 = t.pin_sha256;
    r.state_dir = state_dir;
    host::racs::RacsClientOptions opts;
    opts.timeout = std::chrono::milliseconds(t.timeout_ms);
    auto reader = host::racs::RacsReader::open(uri, racs_credentials(r), opts);
    work(*reader);
    reader->client().close();
  } else if (!t.pcsc.empty()) {
    host::PcscReader reader(t.pcsc, host::PcscProtocol::any);  // connects on the first APDU
    work(reader);
    reader.disconnect();
  } else {
    server::ServerConfig config;
    if (!config_path.empty()) config = server::load_config(config_path);
    server::LocalState local(state_dir, config, /*create=*/false);
    if (!local.cards().exists(t.seid)) fail(Errc::not_found, "no card " + t.seid);
    host::InProcessReader reader(local.cards(), t.seid);
    work(reader);
    local.cards().power_off(t.seid);
  }
}

}  // namespace sesame::cli
