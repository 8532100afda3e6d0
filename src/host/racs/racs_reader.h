// A Reader for one secure element on a RACS server, so every terminal in host/ (PACE, EMV, the
// WSCA SDK, the OMAPI model) runs unchanged against a remote card. The session holds the card
// (the server answers other sessions -708 In Use) until disconnect() or the session's end.
#pragma once

#include <memory>
#include <string>

#include "host/racs/racs_client.h"
#include "host/reader.h"

namespace sesame::host::racs {

class RacsReader final : public Reader {
 public:
  // Several readers may share one client (one TLS session for several cards) if they are used
  // from one thread.
  RacsReader(std::shared_ptr<RacsClient> client, std::string seid);

  // A client of its own, for `uri` (which must name a SEID). Connects lazily.
  static std::unique_ptr<RacsReader> open(const RacsUri& uri, const RacsCredentials& credentials,
                                          RacsClientOptions options = {});

  std::string name() const override;  // "racs://host:port/SEID"
  Bytes connect() override;           // POWERON; the ATR (the last one if already powered)
  void disconnect() override;         // SHUTDOWN (releases the card for other sessions)
  Bytes reset(bool warm) override;    // RESET [WARM]; the ATR
  // One APDU line without MORE/FETCH: Reader::transmit does GET RESPONSE itself. Error lines
  // become RacsError (Errc::io for execution/hardware/system errors, Errc::state for -6xx/-7xx).
  Bytes transmit_raw(ByteView command_apdu) override;

  RacsClient& client() { return *client_; }
  const std::string& seid() const { return seid_; }

 private:
  std::shared_ptr<RacsClient> client_;
  std::string seid_;
  Bytes atr_;  // from the last POWERON or RESET
};

}  // namespace sesame::host::racs
