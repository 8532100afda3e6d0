#include "card/delegated_management.h"

#include "crypto/ec_key.h"
#include "crypto/ecdsa.h"
#include "iso7816/gp_delegated.h"
#include "iso7816/gp_key_data.h"
#include "iso7816/status_word.h"
#include "util/error.h"

namespace sesame::card {
namespace {

using iso7816::Sw;
using iso7816::throw_sw;
namespace gp = iso7816::gp;

constexpr std::uint16_t kSwAlgorithmNotSupported = 0x9484;  // GP Table 11-75
constexpr std::uint16_t kSwInvalidKeyCheckValue = 0x9485;

}  // namespace

std::string token_key_record() {
  return "dm/token-key";
}
std::string receipt_key_record() {
  return "dm/receipt-key";
}
std::string confirmation_counter_record() {
  return "dm/counter";
}

std::uint16_t confirmation_counter(const Persistent& isd) {
  const auto v = isd.get(confirmation_counter_record());
  if (!v || v->size() != 2) return 0;
  const ByteView b = v->view();
  return static_cast<std::uint16_t>((b[0] << 8) | b[1]);
}

iso7816::ResponseApdu put_delegation_key(const iso7816::CommandApdu& apdu, Persistent& isd, ByteView dek) {
  if (apdu.p2 != 0x01) throw_sw(Sw::incorrect_p1p2);
  if (apdu.p1 != 0x00 && apdu.p1 != gp::kTokenKeyVersion && apdu.p1 != gp::kReceiptKeyVersion)
    throw_sw(Sw::incorrect_p1p2);
  // One key only for the delegation keys: single keys of SCP03 key sets are not supported.
  if (apdu.data.empty() || (apdu.data[0] != gp::kTokenKeyVersion && apdu.data[0] != gp::kReceiptKeyVersion))
    throw_sw(Sw::incorrect_p1p2);
  gp::DelegationKey k;
  try {
    k = gp::decode_delegation_key_data(apdu.data, dek);
    if (k.version == gp::kTokenKeyVersion)
      (void)crypto::EcPublicKey::from_point(crypto::Curve::p256, k.token_point);  // on the curve
  } catch (const Error& e) {
    if (e.code() == Errc::invalid_argument) throw_sw(kSwAlgorithmNotSupported);
    if (e.code() == Errc::crypto && apdu.data[0] == gp::kReceiptKeyVersion) throw_sw(kSwInvalidKeyCheckValue);
    throw_sw(Sw::incorrect_data);
  }
  const std::string record = k.version == gp::kTokenKeyVersion ? token_key_record() : receipt_key_record();
  // GP §11.8.2.2: P1 00 adds a key (6A80 when it exists), P1 = KVN replaces it (6A88 when it does not).
  if (apdu.p1 == 0x00 && isd.contains(record)) throw_sw(Sw::incorrect_data);
  if (apdu.p1 != 0x00 && (apdu.p1 != k.version || !isd.contains(record)))
    throw_sw(Sw::referenced_data_not_found);
  iso7816::ResponseApdu r{{k.version}, 0x9000};
  if (k.version == gp::kTokenKeyVersion) {
    isd.put(record, ByteView(k.token_point));
  } else {
    append(r.data, gp::key_check_value(k.receipt.view()));
    isd.put(record, std::move(k.receipt));
  }
  return r;
}

std::uint16_t consume_token(Persistent& isd, std::uint8_t p1, std::uint8_t p2, ByteView data_without_token,
                            ByteView token, ByteView card_unique_data) {
  const auto point = isd.get(token_key_record());
  if (!point || !isd.contains(receipt_key_record())) throw_sw(Sw::conditions_not_satisfied);
  const std::uint16_t current = confirmation_counter(isd);
  if (current == 0xFFFF) throw_sw(Sw::conditions_not_satisfied);
  const std::uint16_t next = static_cast<std::uint16_t>(current + 1);
  bool ok = false;
  if (token.size() == gp::kTokenLength) {
    const crypto::EcPublicKey key = crypto::EcPublicKey::from_point(crypto::Curve::p256, point->view());
    const Bytes message = gp::token_message(p1, p2, data_without_token, next, card_unique_data);
    ok = crypto::ecdsa_verify(key, crypto::SignatureHash::sha256, message, token, crypto::EcdsaFormat::raw);
  }
  // GP 2.3 §11.1.3 Table 11-10: 6982 security status not satisfied (the token is the security condition).
  if (!ok) throw_sw(Sw::security_status_not_satisfied);
  isd.put_now(confirmation_counter_record(),
              SecureBytes{static_cast<std::uint8_t>(next >> 8), static_cast<std::uint8_t>(next)});
  return next;
}

Bytes confirmation(const Persistent& isd, std::uint16_t counter, ByteView card_unique_data,
                   ByteView receipt_data) {
  const auto key = isd.get(receipt_key_record());
  if (!key) throw_sw(Sw::conditions_not_satisfied);
  const Bytes c = gp::confirmation_data(counter, card_unique_data);
  return gp::encode_confirmation(gp::receipt(key->view(), c, receipt_data), counter, card_unique_data);
}

}  // namespace sesame::card
