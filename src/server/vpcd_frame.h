// The vpcd wire format of vsmartcard (virtualsmartcard/src/vpcd): every message, in both
// directions, is a 2-byte big-endian length followed by that many payload bytes. From vpcd, a
// 1-byte payload is a control byte and a longer one is a command APDU; the virtual card answers
// get-ATR with the ATR and an APDU with the response APDU, and answers nothing else.
#pragma once

#include <cstdint>
#include <optional>

#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::server {

constexpr std::size_t vpcd_max_payload = 0xFFFF;

enum class VpcdControl : std::uint8_t { power_off = 0, power_on = 1, reset = 2, get_atr = 4 };

struct VpcdMessage {
  enum class Kind { control, apdu };
  Kind kind = Kind::control;
  VpcdControl control = VpcdControl::power_off;  // when kind == control
  ByteView apdu;                                 // when kind == apdu; views the payload
};

// Classifies one payload from vpcd. Throws Error(Errc::parse) for an empty payload or an unknown
// control byte (the bridge then drops the connection: fail closed).
VpcdMessage parse_vpcd_payload(ByteView payload);

// length || payload. Throws Error(Errc::invalid_argument) when the payload exceeds 65535 bytes.
Bytes encode_vpcd_frame(ByteView payload);

// Cuts a TCP byte stream into payloads. Payloads are command APDUs, VERIFY and CHANGE REFERENCE
// DATA with their PINs among them: the buffer zeroizes every byte once it has been handed out,
// and memory it gives back.
class VpcdFrameDecoder {
 public:
  void feed(ByteView data);
  // The next complete payload, or nullopt while more bytes are needed.
  std::optional<SecureBytes> next();
  std::size_t buffered() const { return buf_.size() - pos_; }
  // Everything the buffer holds, consumed bytes included (tests check those are zero).
  ByteView storage() const { return {buf_.data(), buf_.size()}; }

 private:
  std::vector<std::uint8_t, ZeroizingAllocator<std::uint8_t>> buf_;
  std::size_t pos_ = 0;
};

}  // namespace sesame::server
