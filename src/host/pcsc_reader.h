// A Reader over a real (or vpcd-virtual) card through PC/SC (pcsc-lite's libpcsclite), so every
// terminal in host/ runs against physical cards exactly as against hosted ones. Failures are
// Error(Errc::io) naming the SCard call and result ("SCardConnect: SCARD_E_NO_SMARTCARD ...").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/reader.h"

namespace sesame::host {

enum class PcscProtocol : std::uint8_t { any, t0, t1 };

// The reader names pcscd knows now; empty when there are none (SCARD_E_NO_READERS_AVAILABLE).
// Throws Error(Errc::io) when pcscd cannot be reached (SCARD_E_NO_SERVICE).
std::vector<std::string> list_pcsc_readers();

class PcscReader final : public Reader {
 public:
  // Establishes the PC/SC context; the card is connected (shared mode) by connect().
  explicit PcscReader(std::string reader_name, PcscProtocol protocol = PcscProtocol::any);
  ~PcscReader() override;
  PcscReader(const PcscReader&) = delete;
  PcscReader& operator=(const PcscReader&) = delete;

  std::string name() const override;  // "PC/SC: <reader name>"
  // Connects with T=1 or T=0 (as asked; `any` lets the reader choose) and returns the ATR.
  Bytes connect() override;
  // Leaves the card powered for the next PC/SC client (SCARD_LEAVE_CARD).
  void disconnect() override;
  // SCardReconnect with SCARD_RESET_CARD (warm) or SCARD_UNPOWER_CARD (cold), asking for the
  // protocol again: a card negotiated to T=1 by another client changes to T=0 only this way.
  // Returns the ATR.
  Bytes reset(bool warm) override;
  // Connects first if needed.
  Bytes transmit_raw(ByteView command_apdu) override;

  // "T=0" or "T=1" once connected, "" before.
  std::string active_protocol() const;
  const std::string& reader_name() const { return reader_name_; }

 private:
  Bytes status_atr();
  Bytes connect_with(unsigned long protocols);

  std::string reader_name_;
  PcscProtocol protocol_;
  long context_ = 0;          // SCARDCONTEXT (LONG), kept opaque so users need no PC/SC headers
  long card_ = 0;             // SCARDHANDLE (LONG), 0 when not connected
  unsigned long active_ = 0;  // SCARD_PROTOCOL_T0 / _T1 once connected
};

}  // namespace sesame::host
