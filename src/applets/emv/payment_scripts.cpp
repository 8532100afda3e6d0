// Issuer script processing of the payment applet (EMV Book 3 §6.5 and §10.10, Book 2 §9): the
// commands, their secure messaging and the anti-replay / failure counting rules (docs/EMV.md,
// "Issuer scripts").
#include <algorithm>

#include "applets/emv/payment_records.h"
#include "crypto/emv_script.h"
#include "iso7816/emv_script.h"
#include "iso7816/status_word.h"
#include "util/tlv.h"

namespace sesame::applets::emv {
namespace {

using card::AppletContext;
using iso7816::CommandApdu;
using iso7816::ResponseApdu;
using iso7816::Sw;
using iso7816::throw_sw;

constexpr std::uint8_t kInsBlock = 0x1E, kInsUnblock = 0x18, kInsPin = 0x24, kInsPutData = 0xDA,
                       kInsUpdateRecord = 0xDC;
constexpr std::uint16_t kOk = 0x9000;

bool bcd_amount(ByteView v, std::uint64_t& out) {
  out = 0;
  for (auto b : v) {
    if ((b >> 4) > 9 || (b & 0x0F) > 9) return false;
    out = out * 100 + (b >> 4) * 10 + (b & 0x0F);
  }
  return true;
}

// PUT DATA (Book 3 §6.5.x, proprietary objects listed in docs/EMV.md): the card risk management
// limits, and DF04 00 to reset the offline counters. Validates fully before writing.
std::uint16_t put_data(const CommandApdu& apdu, card::Persistent& st, ByteView value) {
  const auto tag = static_cast<std::uint32_t>((apdu.p1 << 8) | apdu.p2);
  Config cfg = Config::decode(required(st, rec::kConfig));
  std::uint64_t amount = 0;
  switch (tag) {
    case 0x9F14:  // lower consecutive offline limit
    case 0x9F23:  // upper consecutive offline limit
      if (value.size() != 1) return iso7816::sw_value(Sw::wrong_length);
      (tag == 0x9F14 ? cfg.lower_consecutive : cfg.upper_consecutive) = value[0];
      break;
    case 0xDF02:  // lower cumulative offline amount
    case 0xDF03:  // upper cumulative offline amount
      if (value.size() != 6) return iso7816::sw_value(Sw::wrong_length);
      if (!bcd_amount(value, amount)) return iso7816::sw_value(Sw::incorrect_data);
      (tag == 0xDF02 ? cfg.lower_amount : cfg.upper_amount) = amount;
      break;
    case 0xDF04:  // reset the offline counters
      if (value.size() != 1 || value[0] != 0) return iso7816::sw_value(Sw::incorrect_data);
      st.put(rec::kOfflineCount, ByteView(Bytes{0}));
      st.put(rec::kOfflineAmount, ByteView(Bytes(8, 0)));
      return kOk;
    default: return iso7816::sw_value(Sw::referenced_data_not_found);
  }
  if (cfg.lower_consecutive > cfg.upper_consecutive || cfg.lower_amount > cfg.upper_amount)
    return iso7816::sw_value(Sw::incorrect_data);
  st.put(rec::kConfig, ByteView(cfg.encode()));
  return kOk;
}

// UPDATE RECORD (Book 3 §6.5.x): an existing record of SFI 1 (SFI 2 holds the data offline data
// authentication signs), replaced by a '70' template of at most 256 bytes.
std::uint16_t update_record(const CommandApdu& apdu, card::Persistent& st, ByteView value) {
  const auto sfi = static_cast<std::uint8_t>(apdu.p2 >> 3);
  if (sfi != 1) return iso7816::sw_value(Sw::conditions_not_satisfied);
  if (!st.contains(rec::record(sfi, apdu.p1))) return iso7816::sw_value(Sw::record_not_found);
  if (value.size() > 256) return iso7816::sw_value(Sw::wrong_length);
  try {
    std::size_t used = 0;
    const Tlv t = parse_first(value, used);
    if (t.tag() != 0x70 || used != value.size()) return iso7816::sw_value(Sw::incorrect_data);
  } catch (const Error&) {
    return iso7816::sw_value(Sw::incorrect_data);
  }
  st.put(rec::record(sfi, apdu.p1), value);
  return kOk;
}

// PIN CHANGE/UNBLOCK (Book 3 §6.5.10): P2 00 unblocks (try counter back to its limit); P2 02 sets
// the enciphered new PIN (format 2 block) and unblocks.
std::uint16_t pin_change_unblock(const CommandApdu& apdu, card::Persistent& st, const SecureBytes& value) {
  if (apdu.p2 == 0x02) {
    try {
      (void)crypto::emv::pin_from_block_format2(value.view());
    } catch (const Error&) {
      return iso7816::sw_value(Sw::incorrect_data);
    }
    st.put(rec::kPin, value);
  } else if (!value.empty()) {
    return iso7816::sw_value(Sw::wrong_length);
  }
  st.put(rec::kPinTries, ByteView(Bytes{static_cast<std::uint8_t>(read_u_or(st, rec::kPinTryLimit, 3))}));
  return kOk;
}

}  // namespace

std::uint8_t script_cvr_byte(const card::Persistent& st) {
  auto b = static_cast<std::uint8_t>(read_u_or(st, rec::kScriptResults, 0) & 0xF8);
  if (read_u_or(st, rec::kScriptFailures, 0) >= read_u_or(st, rec::kScriptLimit, 3)) b |= kCvrScriptsBlocked;
  if (application_blocked(st)) b |= kCvrAppBlocked;
  return b;
}

bool is_script_command(const CommandApdu& apdu) {
  if ((apdu.cla & 0x0C) != 0x04) return false;  // secure messaging, EMV format (Book 3 §6.3.2)
  switch (apdu.ins) {
    case kInsBlock:
    case kInsUnblock:
    case kInsPin: return apdu.cla == 0x84;
    case kInsPutData:
    case kInsUpdateRecord: return apdu.cla == 0x04 || apdu.cla == 0x84;
    default: return false;
  }
}

ResponseApdu issuer_script(const CommandApdu& apdu, AppletContext& ctx, Txn& txn) {
  // Parameters that need no key first; these are not counted.
  if ((apdu.ins == kInsBlock || apdu.ins == kInsUnblock) && (apdu.p1 != 0 || apdu.p2 != 0))
    throw_sw(Sw::incorrect_p1p2);
  if (apdu.ins == kInsPin && (apdu.p1 != 0 || (apdu.p2 != 0x00 && apdu.p2 != 0x02)))
    throw_sw(Sw::incorrect_p1p2);
  if (apdu.ins == kInsUpdateRecord && (apdu.p1 == 0 || (apdu.p2 & 0x07) != 0x04))
    throw_sw(Sw::incorrect_p1p2);
  // Book 3 §10.10: scripts come with the online response, after the ARQC (tag 71 before the final
  // GENERATE AC, 72 after it); the session keys derive from that ARQC, so there is no window
  // without one.
  auto& st = ctx.persistent();
  if (!txn.script_window || !st.contains(rec::kSmiKey)) throw_sw(Sw::conditions_not_satisfied);
  const auto failures = read_u_or(st, rec::kScriptFailures, 0);
  if (failures >= read_u_or(st, rec::kScriptLimit, 3)) throw_sw(Sw::authentication_method_blocked);
  if (apdu.data.size() < crypto::emv::kScriptMacSize || apdu.data.size() > 255) throw_sw(Sw::wrong_length);

  // The failure is counted, durably, before the MAC is compared (D2): a torn command never gives
  // an attacker a free guess. A good command resets the count in its own commit.
  st.put_now(rec::kScriptFailures, SecureBytes(be(failures + 1, 1)));
  const SecureBytes smi = required_secret(st, rec::kSmiKey), smc = required_secret(st, rec::kSmcKey);
  const auto keys = iso7816::emv::script_session_keys(smi.view(), smc.view(), txn.first_ac);
  const bool enciphered = apdu.ins == kInsPin && apdu.p2 == 0x02;
  const auto data = iso7816::emv::open_script_command(apdu, enciphered, keys, txn.atc, txn.first_ac);
  const Bytes mac(apdu.data.end() - crypto::emv::kScriptMacSize, apdu.data.end());
  const bool replay = std::any_of(txn.script_macs.begin(), txn.script_macs.end(),
                                  [&](const Bytes& m) { return secure_equal(m, mac); });

  auto results = static_cast<std::uint8_t>(read_u_or(st, rec::kScriptResults, 0));
  const auto count = std::min<int>((results >> 4) + 1, 15);
  results = static_cast<std::uint8_t>((count << 4) | (results & 0x0F));
  if (!data || replay) {
    // Returned, not thrown, so that the script results commit with the (still counted) failure.
    st.put(rec::kScriptResults, ByteView(Bytes{static_cast<std::uint8_t>(results | kCvrScriptFailed)}));
    return {{}, iso7816::sw_value(Sw::sm_data_objects_incorrect)};
  }
  txn.script_macs.push_back(mac);
  st.put(rec::kScriptFailures, ByteView(Bytes{0}));
  std::uint16_t sw = kOk;
  switch (apdu.ins) {
    case kInsBlock: st.put(rec::kBlocked, ByteView(Bytes{1})); break;
    case kInsUnblock:
      st.put(rec::kBlocked, ByteView(Bytes{0}));
      // NON_ACTIVATABLE (3 wrong codes) becomes DEACTIVATED: the holder activates it again (CRS).
      if (auto* crs = ctx.contactless();
          crs && crs->registered(ctx.instance_aid()) && crs->state(ctx.instance_aid()) == card::ContactlessState::non_activatable)
        crs->set_state(ctx.instance_aid(), card::ContactlessState::deactivated);
      break;
    case kInsPin: sw = pin_change_unblock(apdu, st, *data); break;
    case kInsPutData: sw = put_data(apdu, st, data->view()); break;
    case kInsUpdateRecord: sw = update_record(apdu, st, data->view()); break;
    default: sw = iso7816::sw_value(Sw::ins_not_supported); break;
  }
  if (sw != kOk) results |= kCvrScriptFailed;
  st.put(rec::kScriptResults, ByteView(Bytes{results}));
  return {{}, sw};
}

}  // namespace sesame::applets::emv
