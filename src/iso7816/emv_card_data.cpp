#include "iso7816/emv_card_data.h"

#include "crypto/emv_keys.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::iso7816::emv {
namespace {

Bytes bcd(const std::string& digits, std::size_t size, const char* what) {
  if (digits.size() != 2 * size) fail(Errc::invalid_argument, std::string(what) + " must be " + std::to_string(2 * size) + " digits");
  return crypto::emv::digits_to_bcd(digits, size);
}

}  // namespace

Bytes oda_record_value(const CardData& c) {
  if (c.pan.size() < 12 || c.pan.size() > 19) fail(Errc::invalid_argument, "PAN must be 12-19 digits");
  Bytes out;
  append_tlv(out, 0x5A, crypto::emv::digits_to_bcd(c.pan));
  append_tlv(out, 0x5F24, bcd(c.expiry, 3, "expiry"));
  if (!c.effective.empty()) append_tlv(out, 0x5F25, bcd(c.effective, 3, "effective date"));
  append_tlv(out, 0x5F28, bcd(c.issuer_country, 2, "issuer country"));
  append_tlv(out, 0x5F34, bcd(c.psn, 1, "PSN"));
  append_tlv(out, 0x9F07, Bytes{0xFF, 0x00});  // Application Usage Control: valid everywhere
  append_tlv(out, 0x8C, kCdol1);
  append_tlv(out, 0x8D, kCdol2);
  for (const auto* iac : {&c.iac_default, &c.iac_denial, &c.iac_online})
    if (iac->size() != 5) fail(Errc::invalid_argument, "IACs are 5 bytes");
  append_tlv(out, 0x9F0D, c.iac_default);
  append_tlv(out, 0x9F0E, c.iac_denial);
  append_tlv(out, 0x9F0F, c.iac_online);
  append_tlv(out, 0x9F42, bcd(c.currency, 2, "currency"));
  return out;
}

Bytes static_data_to_authenticate(const CardData& card) { return concat({oda_record_value(card), kAip}); }

Bytes issuer_identifier(const std::string& pan) {
  if (pan.size() < 6) fail(Errc::invalid_argument, "PAN too short for an issuer identifier");
  return crypto::emv::digits_to_bcd(pan.substr(0, 6), 4);
}

}  // namespace sesame::iso7816::emv
