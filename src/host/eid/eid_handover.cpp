#include "host/eid/eid_handover.h"

#include "iso7816/secure_messaging.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::host::eid {

void check_transaction_id(std::string_view tx) {
  if (tx.size() < 8 || tx.size() > 64)
    fail(Errc::invalid_argument, "transaction ID: 8 to 64 characters (A-Z a-z 0-9 - _)");
  for (char c : tx)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
      fail(Errc::invalid_argument, "transaction ID: 8 to 64 characters (A-Z a-z 0-9 - _)");
}

namespace {

// tag || length || value, built in zeroizing memory (the value may be a session key).
void append_secret_tlv(SecureBytes& out, std::uint32_t tag, ByteView value) {
  out.append(encode_tag(tag));
  out.append(encode_length(value.size()));
  out.append(value);
}

}  // namespace

crypto::EcdhEnvelope seal_handover(const crypto::EcPublicKey& back_end_key, std::string_view tx,
                                   const EidHandover& h) {
  check_transaction_id(tx);
  if (h.ssc.size() != iso7816::kSmSscSize) fail(Errc::invalid_argument, "handover: the SSC must be 16 bytes");
  SecureBytes inner;
  append_secret_tlv(inner, 0x80, h.dg14);
  append_secret_tlv(inner, 0x81, h.k_enc.view());
  append_secret_tlv(inner, 0x82, h.k_mac.view());
  append_secret_tlv(inner, 0x83, h.ssc);
  SecureBytes plain;
  append_secret_tlv(plain, 0x30, inner.view());
  return crypto::ecdh_envelope_seal(back_end_key, {}, as_bytes(kHandoverInfo), as_bytes(tx), plain.view());
}

// Parsed by hand (not util/tlv) so that the keys are copied only into zeroizing memory.
EidHandover open_handover(const crypto::EcPrivateKey& back_end_key, std::string_view tx,
                          const crypto::EcdhEnvelope& envelope) {
  check_transaction_id(tx);
  const SecureBytes plain =
      crypto::ecdh_envelope_open(back_end_key, envelope, {}, as_bytes(kHandoverInfo), as_bytes(tx));
  const ByteView all = plain.view();
  const TlvHeader outer = parse_tlv_header(all, TlvMode::strict);
  if (outer.tag != 0x30 || outer.total_size() != all.size())
    fail(Errc::parse, "handover: not one '30' object");
  ByteView rest = all.subspan(outer.header_size);
  auto next = [&rest](std::uint32_t tag) {
    const TlvHeader h = parse_tlv_header(rest, TlvMode::strict);
    if (h.tag != tag || h.total_size() > rest.size())
      fail(Errc::parse, "handover: expected '80' DG14, '81' KSenc, '82' KSmac, '83' SSC");
    const ByteView v = rest.subspan(h.header_size, h.value_size);
    rest = rest.subspan(h.total_size());
    return v;
  };
  EidHandover h;
  const ByteView dg14 = next(0x80);
  h.dg14.assign(dg14.begin(), dg14.end());
  h.k_enc = SecureBytes(next(0x81));
  h.k_mac = SecureBytes(next(0x82));
  const ByteView ssc = next(0x83);
  h.ssc.assign(ssc.begin(), ssc.end());
  if (!rest.empty()) fail(Errc::parse, "handover: trailing data");
  const std::size_t n = h.k_enc.size();
  if ((n != 16 && n != 24 && n != 32) || h.k_mac.size() != n)
    fail(Errc::parse, "handover: session keys must be AES keys of one size");
  if (h.ssc.size() != iso7816::kSmSscSize) fail(Errc::parse, "handover: the SSC must be 16 bytes");
  if (h.dg14.empty()) fail(Errc::parse, "handover: DG14 is empty");
  return h;
}

}  // namespace sesame::host::eid
