#include "server/vpcd_frame.h"

#include <algorithm>

#include "util/error.h"

namespace sesame::server {

VpcdMessage parse_vpcd_payload(ByteView payload) {
  VpcdMessage msg;
  if (payload.empty()) fail(Errc::parse, "vpcd: empty message");
  if (payload.size() > 1) {
    msg.kind = VpcdMessage::Kind::apdu;
    msg.apdu = payload;
    return msg;
  }
  msg.kind = VpcdMessage::Kind::control;
  switch (payload[0]) {
    case 0: msg.control = VpcdControl::power_off; break;
    case 1: msg.control = VpcdControl::power_on; break;
    case 2: msg.control = VpcdControl::reset; break;
    case 4: msg.control = VpcdControl::get_atr; break;
    default: fail(Errc::parse, "vpcd: unknown control byte " + std::to_string(payload[0]));
  }
  return msg;
}

Bytes encode_vpcd_frame(ByteView payload) {
  if (payload.size() > vpcd_max_payload)
    fail(Errc::invalid_argument, "vpcd: payload longer than 65535 bytes");
  Bytes out;
  out.reserve(payload.size() + 2);
  put_u16(out, static_cast<std::uint16_t>(payload.size()));
  append(out, payload);
  return out;
}

void VpcdFrameDecoder::feed(ByteView data) {
  // Compact once the consumed (already zeroized) prefix dominates, so a long session does not
  // grow the buffer; the tail the move leaves behind is zeroized before the buffer shrinks.
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    const std::size_t rest = buf_.size() - pos_;
    std::copy(buf_.begin() + static_cast<std::ptrdiff_t>(pos_), buf_.end(), buf_.begin());
    secure_zero(buf_.data() + rest, buf_.size() - rest);
    buf_.resize(rest);
    pos_ = 0;
  }
  buf_.insert(buf_.end(), data.begin(), data.end());
}

std::optional<SecureBytes> VpcdFrameDecoder::next() {
  if (buf_.size() - pos_ < 2) return std::nullopt;
  const std::size_t len = get_u16(ByteView(buf_.data(), buf_.size()), pos_);
  if (buf_.size() - pos_ - 2 < len) return std::nullopt;
  SecureBytes payload(ByteView(buf_.data() + pos_ + 2, len));
  secure_zero(buf_.data() + pos_, 2 + len);
  pos_ += 2 + len;
  if (pos_ == buf_.size()) {  // all consumed (and zero): start over at the front
    buf_.clear();
    pos_ = 0;
  }
  return payload;
}

}  // namespace sesame::server
