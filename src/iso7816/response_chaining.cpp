#include "iso7816/response_chaining.h"

#include <string>

#include "util/error.h"

namespace sesame::iso7816 {
namespace {

constexpr std::uint8_t kInsGetResponse = 0xC0;

std::size_t le_from_sw2(std::uint8_t sw2) { return sw2 == 0 ? 256 : sw2; }

ResponseApdu exchange(const TransmitRaw& transmit_raw, const CommandApdu& cmd) {
  const Bytes raw = transmit_raw(cmd.encode());
  return ResponseApdu::parse(raw);
}

// Sends `cmd`; a 6Cxx answer earns exactly one retry with the exact Le the card named.
ResponseApdu exchange_with_le_retry(const TransmitRaw& transmit_raw, CommandApdu cmd) {
  ResponseApdu r = exchange(transmit_raw, cmd);
  if (r.sw1() != 0x6C) return r;
  cmd.ne = le_from_sw2(r.sw2());
  return exchange(transmit_raw, cmd);
}

}  // namespace

CommandApdu get_response_command(int channel, std::uint8_t sw2) {
  CommandApdu c;
  c.cla = cla_with_channel(0x00, channel);
  c.ins = kInsGetResponse;
  c.ne = le_from_sw2(sw2);
  return c;
}

ResponseApdu transceive(const TransmitRaw& transmit_raw, const CommandApdu& cmd, const ChainingLimits& limits) {
  ResponseApdu r = exchange_with_le_retry(transmit_raw, cmd);
  if (r.sw1() != 0x61) return r;

  // A CLA without channel coding (FF, reserved classes) cannot have opened a channel: basic one.
  const int channel = cmd.channel() < 0 ? 0 : cmd.channel();
  Bytes collected;
  std::size_t rounds = 0;
  const auto collect = [&](const Bytes& more) {
    if (more.size() > limits.max_total_bytes - collected.size())
      fail(Errc::parse, "GET RESPONSE: card returned more than " + std::to_string(limits.max_total_bytes) + " bytes");
    append(collected, more);
  };
  while (r.sw1() == 0x61) {
    collect(r.data);
    if (++rounds > limits.max_get_response)
      fail(Errc::parse, "GET RESPONSE: card still answers 61xx after " + std::to_string(limits.max_get_response) +
                            " rounds");
    r = exchange_with_le_retry(transmit_raw, get_response_command(channel, r.sw2()));
  }
  collect(r.data);
  r.data = std::move(collected);
  return r;
}

}  // namespace sesame::iso7816
