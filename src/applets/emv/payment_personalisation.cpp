// Install-time personalisation of the payment applet: profile -> records (docs/EMV.md, "Records").
#include "applets/emv/emv_profile.h"
#include "applets/emv/payment_records.h"
#include "crypto/emv_keys.h"
#include "crypto/emv_script.h"
#include "crypto/rsa_key.h"
#include "iso7816/emv_card_data.h"
#include "util/byte_reader.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::applets::emv {
namespace {

Bytes str_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

// Track 2 Equivalent Data (57): PAN 'D' YYMM service code 201 discretionary data, F-padded.
Bytes track2(const iso7816::emv::CardData& c) {
  std::string t = c.pan + "D" + c.expiry.substr(0, 4) + "201" + "0000000000";
  if (t.size() % 2) t.push_back('F');
  Bytes out;
  for (std::size_t i = 0; i < t.size(); i += 2) {
    auto nib = [](char ch) -> std::uint8_t {
      if (ch == 'D') return 0x0D;
      if (ch == 'F') return 0x0F;
      return static_cast<std::uint8_t>(ch - '0');
    };
    out.push_back(static_cast<std::uint8_t>((nib(t[i]) << 4) | nib(t[i + 1])));
  }
  return out;
}

Bytes template70(const Bytes& value) { return tlv_encode(0x70, value); }

}  // namespace

Bytes Config::encode() const {
  Bytes out{lower_consecutive, upper_consecutive};
  put_u64(out, lower_amount);
  put_u64(out, upper_amount);
  out.push_back(arpc_method);
  append(out, currency);
  return out;
}

Config Config::decode(ByteView b) {
  if (b.size() != 21) fail(Errc::internal, "payment applet: configuration record malformed");
  ByteReader r(b, "cfg");
  Config c;
  c.lower_consecutive = r.u8();
  c.upper_consecutive = r.u8();
  c.lower_amount = r.u64();
  c.upper_amount = r.u64();
  c.arpc_method = r.u8();
  const ByteView cur = r.bytes(2);
  c.currency.assign(cur.begin(), cur.end());
  return c;
}

void personalise(card::AppletContext& ctx, const Profile& p) {
  auto& st = ctx.persistent();
  const auto& c = p.card;
  // GP Amendment C: a payment application in the card's Contactless Registry (activating it
  // deactivates the ACTIVATED payment application of another group).
  if (auto* crs = ctx.contactless()) {
    crs->register_application(ctx.instance_aid(), true, p.contactless_group);
    if (p.contactless_activated) crs->set_state(ctx.instance_aid(), card::ContactlessState::activated);
  }

  // FCI (Book 1 §11.3.4, Book C-2): 6F { 84 DF name, A5 { 50, 87, 9F38 PDOL, 5F2D, BF0C { 9F4D } } }.
  const ByteView aid = ctx.instance_aid();
  Bytes a5;
  append_tlv(a5, 0x50, str_bytes(p.label));
  append_tlv(a5, 0x87, Bytes{p.priority});
  append_tlv(a5, 0x9F38, iso7816::emv::kPdol);
  append_tlv(a5, 0x5F2D, str_bytes(p.language));
  append_tlv(a5, 0xBF0C, tlv_encode(0x9F4D, Bytes{kLogSfi, kLogRecords}));
  Bytes fci_value;
  append_tlv(fci_value, 0x84, aid);
  append_tlv(fci_value, 0xA5, a5);
  st.put(rec::kFci, ByteView(tlv_encode(0x6F, fci_value)));

  Bytes aip = iso7816::emv::kAip;
  if (!p.has_pki()) aip[0] &= static_cast<std::uint8_t>(~0x21);  // no DDA nor CDA without an ICC key
  st.put(rec::kAip, ByteView(aip));

  // SFI 1 record 1: track 2 equivalent data and the cardholder name (not authenticated).
  Bytes r1;
  append_tlv(r1, 0x57, track2(c));
  if (!p.cardholder_name.empty()) append_tlv(r1, 0x5F20, str_bytes(p.cardholder_name));
  st.put(rec::record(1, 1), ByteView(template70(r1)));
  // SFI 2 record 1: the data offline data authentication covers (iso7816/emv_card_data.h).
  st.put(rec::record(2, 1), ByteView(template70(iso7816::emv::oda_record_value(c))));
  Bytes afl{0x08, 0x01, 0x01, 0x00};
  if (p.has_pki()) {
    // Certificates each in their own record so that none exceeds 256 bytes (1984-bit keys: 248).
    Bytes r2;
    append_tlv(r2, 0x8F, Bytes{p.ca_index});
    append_tlv(r2, 0x9F32, p.issuer_exponent);
    if (!p.issuer_remainder.empty()) append_tlv(r2, 0x92, p.issuer_remainder);
    append_tlv(r2, 0x9F47, p.icc_exponent);
    if (!p.icc_remainder.empty()) append_tlv(r2, 0x9F48, p.icc_remainder);
    append_tlv(r2, 0x9F4A, Bytes{0x82});
    append_tlv(r2, 0x9F49, iso7816::emv::kDdol);
    const Bytes r3 = template70(tlv_encode(0x90, p.issuer_certificate));
    const Bytes r4 = template70(tlv_encode(0x9F46, p.icc_certificate));
    if (template70(r2).size() > 256 || r3.size() > 256 || r4.size() > 256)
      fail(Errc::invalid_argument, "profile: a record would exceed 256 bytes");
    st.put(rec::record(2, 2), ByteView(template70(r2)));
    st.put(rec::record(2, 3), ByteView(r3));
    st.put(rec::record(2, 4), ByteView(r4));
    append(afl, Bytes{0x10, 0x01, 0x04, 0x01});
    // Decoded once here so that a bad key refuses the installation rather than every CDA.
    const auto key = crypto::RsaPrivateKey::from_pkcs8_der(p.icc_private_key_pkcs8.view());
    if (key.modulus_size() > 248) fail(Errc::invalid_argument, "profile: ICC key above 1984 bits");
    st.put(rec::kIccKey, p.icc_private_key_pkcs8);
  } else {
    append(afl, Bytes{0x10, 0x01, 0x01, 0x01});
  }
  st.put(rec::kAfl, ByteView(afl));
  st.put(rec::kMasterKey, p.icc_master_key_ac);

  Config cfg{p.limits.lower_consecutive, p.limits.upper_consecutive, p.limits.lower_cumulative_amount,
             p.limits.upper_cumulative_amount, p.arpc_method, crypto::emv::digits_to_bcd(c.currency, 2)};
  st.put(rec::kConfig, ByteView(cfg.encode()));
  st.put(rec::kAtc, ByteView(Bytes{0, 0}));
  st.put(rec::kLastOnlineAtc, ByteView(Bytes{0, 0}));
  st.put(rec::kOfflineCount, ByteView(Bytes{0}));
  st.put(rec::kOfflineAmount, ByteView(Bytes(8, 0)));
  st.put(rec::kPinTries, ByteView(Bytes{p.pin_try_limit}));
  st.put(rec::kLogSeq, ByteView(Bytes(4, 0)));
  st.put(rec::kPinTryLimit, ByteView(Bytes{p.pin_try_limit}));
  if (!p.pin.empty()) st.put(rec::kPin, crypto::emv::pin_block_format2(p.pin));
  if (!p.icc_master_key_smi.empty()) {
    st.put(rec::kSmiKey, p.icc_master_key_smi);
    st.put(rec::kSmcKey, p.icc_master_key_smc);
  }
  if (p.personal_code)
    st.put(rec::kPersonalCode, ByteView(PersonalCodeConfig{p.personal_code_mode, p.personal_code_entry_limit,
                                                           p.personal_code_validity}.encode()));
  st.put(rec::kBlocked, ByteView(Bytes{0}));
  st.put(rec::kScriptFailures, ByteView(Bytes{0}));
  st.put(rec::kScriptLimit, ByteView(Bytes{p.script_failure_limit}));
  st.put(rec::kScriptResults, ByteView(Bytes{0}));
}

}  // namespace sesame::applets::emv
