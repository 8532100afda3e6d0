#include "server/racs/apdu_gate.h"

#include "iso7816/apdu.h"
#include "util/error.h"

namespace sesame::server::racs {
namespace {

constexpr std::uint8_t ins_select = 0xA4;
constexpr std::uint8_t ins_manage_channel = 0x70;

bool interindustry(std::uint8_t cla) { return (cla & 0x80) == 0; }

// SW1 of a SELECT after which the applet is selected: 90 success, 61 more data, 62/63 warnings.
bool select_succeeded(ByteView response) {
  if (response.size() < 2) return false;
  const std::uint8_t sw1 = response[response.size() - 2];
  return sw1 == 0x90 || sw1 == 0x61 || sw1 == 0x62 || sw1 == 0x63;
}

}  // namespace

ApduGate::Decision ApduGate::check_other(const std::array<std::uint8_t, 4>& header) const {
  Decision d;
  d.channel = channel_of(header[0]);
  if (d.channel < 0) {
    d.reason = "invalid class byte";
    return d;
  }
  if (interindustry(header[0]) && header[1] == ins_manage_channel) {
    d.kind = Kind::manage_channel;
    // MANAGE CHANNEL needs no selection, but a filter on the channel it is sent on still holds.
    const auto& f = channels_[static_cast<std::size_t>(d.channel)];
    if (f && f->refuses(header)) {
      d.reason = "APDU has been firewalled";
      return d;
    }
    d.allowed = true;
    return d;
  }
  const auto& f = channels_[static_cast<std::size_t>(d.channel)];
  if (!f) {
    d.reason = "no AID has been selected on channel " + std::to_string(d.channel);
    return d;
  }
  if (f->refuses(header)) {
    d.reason = "APDU has been firewalled";
    return d;
  }
  d.allowed = true;
  return d;
}

ApduGate::Decision ApduGate::check(ByteView apdu, const AccessPolicy& policy, const std::string& user,
                                   const std::string& seid) const {
  const std::array<std::uint8_t, 4> header{apdu[0], apdu[1], apdu[2], apdu[3]};
  const bool select = interindustry(apdu[0]) && apdu[1] == ins_select && apdu[2] == 0x04;
  if (!select) return check_other(header);

  Decision d;
  d.kind = Kind::select;
  d.channel = channel_of(apdu[0]);
  if (d.channel < 0) {
    d.reason = "invalid class byte";
    return d;
  }
  // P2: b8..b5 zero, b4b3 the answer the applet gives (any), b2b1 00 = first or only occurrence.
  if ((apdu[3] & 0xF3) != 0) {
    d.reason = "SELECT by AID is allowed for the first occurrence only (P2 b2b1 = 00)";
    return d;
  }
  try {
    d.aid = iso7816::CommandApdu::parse(apdu).data;
  } catch (const sesame::Error&) {
    d.reason = "malformed SELECT";
    return d;
  }
  d.permitted = policy.select_permission(user, seid, d.aid);
  if (!d.permitted) {
    d.reason = "invalid AID, SELECT has been firewalled";
    return d;
  }
  d.allowed = true;
  return d;
}

ApduGate::Decision ApduGate::check_fetch(const std::array<std::uint8_t, 4>& header) const {
  if (interindustry(header[0]) && (header[1] == ins_select || header[1] == ins_manage_channel)) {
    Decision d;
    d.channel = channel_of(header[0]);
    d.reason = "FETCH must not be SELECT or MANAGE CHANNEL";
    return d;
  }
  return check_other(header);
}

void ApduGate::after(ByteView apdu, const Decision& decision, ByteView response) {
  if (!decision.allowed || decision.channel < 0) return;
  switch (decision.kind) {
    case Kind::select:
      // A failed SELECT leaves the previous applet selected (and so its permission).
      if (select_succeeded(response)) channels_[static_cast<std::size_t>(decision.channel)] = decision.permitted;
      return;
    case Kind::manage_channel: {
      if (response.size() < 2 || response[response.size() - 2] != 0x90) return;
      int target = -1;
      if (apdu[2] == 0x00)  // open: P2, or the number the card assigned in the response
        target = apdu[3] != 0 ? apdu[3] : (response.size() >= 3 ? response[0] : -1);
      else if (apdu[2] == 0x80)  // close: P2, or the channel the command was sent on
        target = apdu[3] != 0 ? apdu[3] : decision.channel;
      if (target > 0 && target < channels) channels_[static_cast<std::size_t>(target)].reset();
      return;
    }
    case Kind::other:
      return;
  }
}

}  // namespace sesame::server::racs
