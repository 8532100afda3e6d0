// Fuzzes the RACS request parser and a whole RacsSession (framing, APPEND, errors, commands,
// APDU firewall) against a real CardService on the memory store, with the input fed in chunks
// whose size comes from the input. Checks: every line parses to exactly one outcome; every
// response is framed (BEGIN ... END, CR LF, printable ASCII only); nothing is answered after a
// close; the session's end gives back every card.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "applets/builtin.h"
#include "card/card_service.h"
#include "server/demo_cards.h"
#include "server/racs/racs_session.h"
#include "store/memory_store.h"

namespace {

using namespace sesame;
using namespace sesame::server::racs;

struct World {
  std::unique_ptr<store::Store> store = store::open_memory_store(SecureBytes(ByteView(Bytes(32, 7))));
  card::AppletRegistry registry = applets::builtin_registry();
  card::CardService cards{*store, registry};
  AccessPolicy policy;
  CardLocks locks;
  MemoryAudit audit;
  PolicySource policy_source = PolicySource::borrowing(policy);
  SessionEnv env{cards, policy_source, locks, audit, RacsLimits{}};
  World() {
    server::create_demo_cards(cards);
    policy.allow_all_seids("fuzz");
    SeidPolicy p;
    AidRule r;
    r.aid = Bytes{0xF0, 0x53, 0x45, 0x53, 0x41, 0x4D, 0x45, 0x01};
    r.users.push_back({"fuzz", ApduFilter{{FilterPair{{0xFF, 0xFF, 0, 0}, {0x00, 0x20, 0, 0}}}}});
    p.rules.push_back(r);
    policy.set_seid_policy("demo", p);
    env.limits.max_line_length = 512;
    env.limits.max_request_bytes = 4096;
    env.limits.max_request_lines = 64;
  }
};

void check_framed(std::string_view out) {
  while (!out.empty()) {
    if (out.substr(0, 5) != "BEGIN") std::abort();
    // END is a line of its own: a result line may end in "...END" (an echoed token like APPPPEND).
    const auto end = out.find("\r\nEND\r\n");
    if (end == std::string_view::npos) std::abort();
    for (char c : out.substr(0, end)) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\r' && c != '\n') || u > 0x7E) std::abort();
    }
    out.remove_prefix(end + 7);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  static SessionId next = 1;
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 61;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  // The parser alone, line by line.
  std::size_t start = 0;
  while (start <= input.size()) {
    const auto nl = input.find('\n', start);
    const auto line = input.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    const ParsedLine p = parse_line(line, 256);
    if (const auto* e = std::get_if<RacsError>(&p)) {
      if (e->code() < 0 || e->code() > 999 || e->text.empty()) std::abort();
    }
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }

  // A session over the whole stream.
  {
    RacsSession session(world.env, next++, "fuzz", "fuzzer");
    bool closed = false;
    for (std::size_t fed = 0; fed < input.size(); fed += chunk) {
      const auto out = session.feed(input.substr(fed, chunk));
      if (closed && !out.text.empty()) std::abort();
      check_framed(out.text);
      closed = closed || out.close;
    }
    session.end("fuzz input over");
  }
  if (world.locks.held() != 0) std::abort();
  return 0;
}
