// The Personal Code of the payment applet, in the two Payez Mobile modes (docs/EMV.md "Personal
// Code"): VERIFY with the code (ISO 9564 format 2 plaintext block, Book 3 §6.5.12 P2 80), valid for
// a short window; the first GENERATE AC of a transaction above the entry limit without it declines
// with "code required" in the CVR. The try counter is decremented durably before the comparison
// (D2); at zero the application is blocked.
#include <chrono>

#include "applets/emv/payment_records.h"
#include "crypto/emv_script.h"
#include "iso7816/status_word.h"
#include "util/byte_reader.h"

namespace sesame::applets::emv {
namespace {

using iso7816::Sw;
using iso7816::throw_sw;

std::int64_t unix_seconds(const card::AppletContext& ctx) {
  return std::chrono::duration_cast<std::chrono::seconds>(ctx.now().time_since_epoch()).count();
}

}  // namespace

Bytes PersonalCodeConfig::encode() const {
  Bytes out{mode};
  put_u64(out, entry_limit);
  put_u64(out, validity_seconds);
  return out;
}

PersonalCodeConfig PersonalCodeConfig::decode(ByteView b) {
  if (b.size() != 17) fail(Errc::internal, "payment applet: personal code record malformed");
  ByteReader r(b, "pcfg");
  PersonalCodeConfig c;
  c.mode = r.u8();
  c.entry_limit = r.u64();
  c.validity_seconds = r.u64();
  return c;
}

iso7816::ResponseApdu verify_personal_code(const iso7816::CommandApdu& apdu, card::AppletContext& ctx) {
  if (apdu.p1 != 0x00 || apdu.p2 != 0x80) throw_sw(Sw::incorrect_p1p2);
  auto& st = ctx.persistent();
  if (!st.contains(rec::kPin) || !st.contains(rec::kPersonalCode)) throw_sw(Sw::conditions_not_satisfied);
  if (apdu.data.size() != 8) throw_sw(Sw::wrong_length);
  const auto tries = read_u(st, rec::kPinTries);
  if (tries == 0) throw_sw(Sw::authentication_method_blocked);
  st.put_now(rec::kPinTries, SecureBytes(be(tries - 1, 1)));  // durable before the comparison
  const SecureBytes pin = required_secret(st, rec::kPin);
  if (secure_equal(pin.view(), apdu.data)) {
    const auto cfg = PersonalCodeConfig::decode(required(st, rec::kPersonalCode));
    st.put(rec::kPinTries, ByteView(be(read_u_or(st, rec::kPinTryLimit, 3), 1)));
    st.put(rec::kCodeVerified,
           ByteView(be(static_cast<std::uint64_t>(unix_seconds(ctx)) + cfg.validity_seconds, 8)));
    return {{}, 0x9000};
  }
  if (tries - 1 == 0) {
    st.put(rec::kBlocked, ByteView(Bytes{1}));  // try limit reached: the application is blocked
    // ... and NON_ACTIVATABLE in the contactless registry until the issuer unblocks it.
    if (auto* crs = ctx.contactless(); crs && crs->registered(ctx.instance_aid()))
      crs->set_state(ctx.instance_aid(), card::ContactlessState::non_activatable);
  }
  return {{}, static_cast<std::uint16_t>(0x63C0 | (tries - 1))};
}

std::uint8_t personal_code_for_transaction(card::AppletContext& ctx, std::uint64_t amount) {
  auto& st = ctx.persistent();
  if (!st.contains(rec::kPersonalCode)) return 0;
  const auto cfg = PersonalCodeConfig::decode(required(st, rec::kPersonalCode));
  const bool needed = amount > cfg.entry_limit;
  const bool verified = st.contains(rec::kCodeVerified) &&
                        static_cast<std::uint64_t>(unix_seconds(ctx)) <= read_u(st, rec::kCodeVerified);
  // PIN-TAP: the code entered before the tap is for the next transaction, whatever its amount.
  // TAP-PIN-TAP: it is for the next transaction that needs it.
  if (st.contains(rec::kCodeVerified) && (needed || cfg.mode == PersonalCodeConfig::kPinTap || !verified))
    st.erase(rec::kCodeVerified);
  if (!needed) return verified && cfg.mode == PersonalCodeConfig::kPinTap ? kCvrCodeVerified : 0;
  return verified ? kCvrCodeVerified : kCvrCodeRequired;
}

}  // namespace sesame::applets::emv
