// One "node" of the multi-node failover test (pg_failover_test.py): opens a sesamed state dir and
// config exactly as sesamed does (LocalState, so store.backend = "postgres" with its lease), then
// drives the demo applet's counter through CardService, reporting every acknowledged value.
//
// stdin, one command a line:   inc N | get | quit
// stdout, one event a line:    ready | waiting <node> | ack <value> | refused <SW> | value <value> | done
// "inc N" selects the demo applet and sends N times 80 10 00 00 04 (increment, return the counter);
// while another node holds the card's lease it prints "waiting <node>" once and retries. A status
// word other than 9000 ends the batch with "refused <SW>".
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "card/card_service.h"
#include "server/config.h"
#include "server/local_state.h"
#include "store/store.h"
#include "util/error.h"
#include "util/hex.h"

namespace {

using sesame::Bytes;

const Bytes kSelectDemo = sesame::from_hex("00A4040008F0534553414D450100");
const Bytes kIncrement = sesame::from_hex("8010000004");
const Bytes kRead = sesame::from_hex("8011000004");

void say(const std::string& line) {
  std::cout << line << "\n" << std::flush;
}

unsigned sw_of(const Bytes& r) {
  return r.size() < 2 ? 0 : (r[r.size() - 2] << 8) | r[r.size() - 1];
}

std::uint32_t value_of(const Bytes& r) {
  return (std::uint32_t{r[0]} << 24) | (std::uint32_t{r[1]} << 16) | (std::uint32_t{r[2]} << 8) | r[3];
}

// Sends one APDU, waiting while the card is leased by another node.
Bytes transmit(sesame::card::CardService& cards, const std::string& seid, const Bytes& apdu) {
  std::string waiting_for;
  for (;;) {
    try {
      return cards.transmit(seid, apdu);
    } catch (const sesame::store::CardLeased& e) {
      if (waiting_for != e.node_id()) say("waiting " + e.node_id());
      waiting_for = e.node_id();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

// false: the batch ended with a refusal.
bool run_increments(sesame::card::CardService& cards, const std::string& seid, long n) {
  Bytes r = transmit(cards, seid, kSelectDemo);
  if (sw_of(r) != 0x9000) {
    say("refused " + sesame::to_hex(Bytes(r.end() - 2, r.end())));
    return false;
  }
  for (long i = 0; i < n; ++i) {
    r = transmit(cards, seid, kIncrement);
    if (sw_of(r) != 0x9000 || r.size() != 6) {
      say("refused " + sesame::to_hex(Bytes(r.end() - std::min<std::ptrdiff_t>(2, r.size()), r.end())));
      return false;
    }
    say("ack " + std::to_string(value_of(r)));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: pg_failover_driver CONFIG STATE_DIR SEID\n";
    return 2;
  }
  try {
    const auto config = sesame::server::load_config(argv[1]);
    sesame::server::LocalState local(argv[2], config, /*create=*/false);
    auto& cards = local.cards();
    const std::string seid = argv[3];
    if (!cards.exists(seid)) throw sesame::Error(sesame::Errc::not_found, "no card " + seid);
    say("ready");
    std::string cmd;
    while (std::cin >> cmd) {
      if (cmd == "inc") {
        long n = 0;
        std::cin >> n;
        run_increments(cards, seid, n);
      } else if (cmd == "get") {
        Bytes r = transmit(cards, seid, kSelectDemo);
        if (sw_of(r) == 0x9000) r = transmit(cards, seid, kRead);
        if (sw_of(r) == 0x9000 && r.size() == 6)
          say("value " + std::to_string(value_of(r)));
        else
          say("refused " + sesame::to_hex(Bytes(r.end() - std::min<std::ptrdiff_t>(2, r.size()), r.end())));
      } else if (cmd == "quit") {
        break;
      } else {
        std::cerr << "unknown command " << cmd << "\n";
        return 2;
      }
      say("done");
    }
  } catch (const std::exception& e) {
    std::cerr << "pg_failover_driver: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
