// A Reader over a card hosted in this process (card::CardService). The one place host/ reaches
// into card/: every terminal written against Reader runs unchanged against a hosted card.
#pragma once

#include <string>

#include "host/reader.h"

namespace sesame::card {
class CardService;
}

namespace sesame::host {

class InProcessReader final : public Reader {
 public:
  // `cards` must outlive the reader.
  InProcessReader(card::CardService& cards, std::string seid);

  std::string name() const override;  // "in-process SEID"
  Bytes connect() override;
  void disconnect() override;
  Bytes reset(bool warm) override;
  // An unknown SEID becomes Error(Errc::io), as an unreachable card does for every reader.
  Bytes transmit_raw(ByteView command_apdu) override;

  const std::string& seid() const { return seid_; }

 private:
  card::CardService& cards_;
  std::string seid_;
};

}  // namespace sesame::host
