#include "host/pcsc_reader.h"

#include <PCSC/winscard.h>

#include <array>

#include "host/pcsc_error.h"
#include "util/error.h"

namespace sesame::host {
namespace {

// Extended APDUs answer up to 65536 data bytes plus SW1 SW2.
constexpr std::size_t kMaxResponse = 65536 + 2;

[[noreturn]] void fail_pcsc(const char* call, LONG rv) {
  fail(Errc::io, pcsc_error_text(call, rv));
}

DWORD preferred(PcscProtocol p) {
  switch (p) {
    case PcscProtocol::t0: return SCARD_PROTOCOL_T0;
    case PcscProtocol::t1: return SCARD_PROTOCOL_T1;
    case PcscProtocol::any: return SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1;
  }
  fail(Errc::invalid_argument, "unknown PC/SC protocol");
}

// The multi-string PC/SC returns: names separated by NUL, ended by an empty one.
std::vector<std::string> split_multi_string(const char* p, DWORD len) {
  std::vector<std::string> out;
  const char* end = p + len;
  while (p < end && *p != '\0') {
    std::string s(p);
    p += s.size() + 1;
    out.push_back(std::move(s));
  }
  return out;
}

class Context {
 public:
  Context() {
    const LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx_);
    if (rv != SCARD_S_SUCCESS) fail_pcsc("SCardEstablishContext", rv);
  }
  ~Context() { SCardReleaseContext(ctx_); }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  SCARDCONTEXT get() const { return ctx_; }
  SCARDCONTEXT release() {
    SCARDCONTEXT c = ctx_;
    ctx_ = 0;
    return c;
  }

 private:
  SCARDCONTEXT ctx_ = 0;
};

}  // namespace

std::vector<std::string> list_pcsc_readers() {
  Context ctx;
  DWORD len = 0;
  LONG rv = SCardListReaders(ctx.get(), nullptr, nullptr, &len);
  if (rv == SCARD_E_NO_READERS_AVAILABLE) return {};
  if (rv != SCARD_S_SUCCESS) fail_pcsc("SCardListReaders", rv);
  std::string buf(len, '\0');
  rv = SCardListReaders(ctx.get(), nullptr, buf.data(), &len);
  if (rv == SCARD_E_NO_READERS_AVAILABLE) return {};  // the last reader went away in between
  if (rv != SCARD_S_SUCCESS) fail_pcsc("SCardListReaders", rv);
  return split_multi_string(buf.data(), std::min<DWORD>(len, static_cast<DWORD>(buf.size())));
}

PcscReader::PcscReader(std::string reader_name, PcscProtocol protocol)
    : reader_name_(std::move(reader_name)), protocol_(protocol) {
  Context ctx;
  context_ = ctx.release();
}

PcscReader::~PcscReader() {
  if (card_ != 0) SCardDisconnect(card_, SCARD_LEAVE_CARD);
  SCardReleaseContext(context_);
}

std::string PcscReader::name() const {
  return "PC/SC: " + reader_name_;
}

std::string PcscReader::active_protocol() const {
  if (card_ == 0) return "";
  return active_ == SCARD_PROTOCOL_T0 ? "T=0" : "T=1";
}

Bytes PcscReader::status_atr() {
  std::array<BYTE, MAX_ATR_SIZE> atr{};
  DWORD atr_len = atr.size(), state = 0, proto = 0, name_len = 0;
  const LONG rv = SCardStatus(card_, nullptr, &name_len, &state, &proto, atr.data(), &atr_len);
  if (rv != SCARD_S_SUCCESS) fail_pcsc("SCardStatus", rv);
  return Bytes(atr.begin(), atr.begin() + std::min<DWORD>(atr_len, atr.size()));
}

Bytes PcscReader::connect() {
  return connect_with(preferred(protocol_));
}

Bytes PcscReader::connect_with(unsigned long protocols) {
  if (card_ != 0) return status_atr();
  SCARDHANDLE card = 0;
  DWORD active = 0;
  const LONG rv = SCardConnect(context_, reader_name_.c_str(), SCARD_SHARE_SHARED, protocols, &card, &active);
  if (rv == SCARD_E_PROTO_MISMATCH)
    fail(Errc::io, pcsc_error_text("SCardConnect", rv) +
                       ": the card already runs the other protocol; a cold reset switches it");
  if (rv != SCARD_S_SUCCESS) fail_pcsc("SCardConnect", rv);
  card_ = card;
  active_ = active;
  if (active_ != SCARD_PROTOCOL_T0 && active_ != SCARD_PROTOCOL_T1) {
    disconnect();
    fail(Errc::io, "PC/SC reader " + reader_name_ + " chose a protocol other than T=0 or T=1");
  }
  return status_atr();
}

void PcscReader::disconnect() {
  if (card_ == 0) return;
  const LONG rv = SCardDisconnect(card_, SCARD_LEAVE_CARD);
  card_ = 0;
  active_ = 0;
  if (rv != SCARD_S_SUCCESS) fail_pcsc("SCardDisconnect", rv);
}

Bytes PcscReader::reset(bool warm) {
  // Any protocol to get a handle: the reset is where a card changes to the one asked for.
  if (card_ == 0) connect_with(SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1);
  DWORD active = 0;
  const LONG rv = SCardReconnect(card_, SCARD_SHARE_SHARED, preferred(protocol_),
                                 warm ? SCARD_RESET_CARD : SCARD_UNPOWER_CARD, &active);
  if (rv != SCARD_S_SUCCESS) fail_pcsc("SCardReconnect", rv);
  active_ = active;
  return status_atr();
}

Bytes PcscReader::transmit_raw(ByteView command_apdu) {
  if (card_ == 0) connect();
  const SCARD_IO_REQUEST* pci = active_ == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
  Bytes response(kMaxResponse);
  DWORD len = static_cast<DWORD>(response.size());
  const LONG rv = SCardTransmit(card_, pci, command_apdu.data(), static_cast<DWORD>(command_apdu.size()),
                                nullptr, response.data(), &len);
  if (rv != SCARD_S_SUCCESS) fail_pcsc("SCardTransmit", rv);
  response.resize(std::min<std::size_t>(len, response.size()));
  if (response.size() < 2)
    fail(Errc::io, "PC/SC reader " + reader_name_ + " returned a response without SW1 SW2");
  return response;
}

}  // namespace sesame::host
