// Connects one hosted card to vsmartcard's vpcd, so it appears as a card in a PC/SC reader of the
// local pcscd ("Virtual PCD 00 00" for port 35963, "Virtual PCD 00 01" for 35964). sesamed is the
// TCP client; vpcd listens. Reconnects with backoff while vpcd is absent or after it goes away.
#pragma once

#include <memory>
#include <string>

#include "server/config.h"

namespace asio {
class io_context;
class thread_pool;
}  // namespace asio

namespace sesame::card {
class CardService;
}

namespace sesame::server {

class CardLocks;

class VpcdBridge {
 public:
  // Socket work runs on `io`; card work (CardService calls, which may wait for a durable commit)
  // runs on `card_pool`, one message at a time per bridge. `slot.seid` must name an existing card
  // and `slot.host` be a numeric address (parse_vpcd_slot). `locks` are shared with the other
  // transports (RACS): the bridge holds its card there while vpcd has it powered.
  VpcdBridge(asio::io_context& io, asio::thread_pool& card_pool, card::CardService& cards, CardLocks& locks,
             const VpcdSlot& slot, std::string name);
  ~VpcdBridge();
  VpcdBridge(const VpcdBridge&) = delete;
  VpcdBridge& operator=(const VpcdBridge&) = delete;

  void start();
  // Cancels the pending connect/read/timer and closes the connection. Call on the io thread.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sesame::server
