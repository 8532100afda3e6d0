// The one way a terminal reaches a card: hosted in process, a real card through PC/SC, or a
// remote card over RACS. Terminals (PACE, EMV kernel, WSCA SDK) are written against this
// interface only, so they work unchanged against every kind of card.
#pragma once

#include <string>

#include "iso7816/apdu.h"
#include "util/bytes.h"

namespace sesame::host {

class Reader {
 public:
  virtual ~Reader() = default;

  // A human-readable name ("in-process demo", "PC/SC: Virtual PCD 00 00", "racs://host:7777/SEID").
  virtual std::string name() const = 0;

  // Powers the card and returns its ATR.
  virtual Bytes connect() = 0;
  virtual void disconnect() = 0;
  virtual Bytes reset(bool warm) = 0;

  // One raw command APDU, one raw response APDU (data || SW1 SW2). No GET RESPONSE handling here.
  // Throws sesame::Error(Errc::io) when the card cannot be reached.
  virtual Bytes transmit_raw(ByteView command_apdu) = 0;

  // A command with the reader-side rules applied: 61xx followed with GET RESPONSE, 6Cxx re-sent
  // with the right Le (iso7816::transceive).
  iso7816::ResponseApdu transmit(const iso7816::CommandApdu& command);

  // SELECT by DF name (ISO/IEC 7816-4 §11.2.2: P1 04, first occurrence, P2 0C: no response data).
  // The card's answer; the caller checks the status word.
  iso7816::ResponseApdu select_by_aid(ByteView aid);
};

}  // namespace sesame::host
