#include "host/eid/eid_terminal.h"

#include <algorithm>

#include "crypto/ec_key.h"
#include "iso7816/status_word.h"
#include "util/tlv.h"

namespace sesame::host::eid {
namespace {

namespace pace = iso7816::pace;
using iso7816::CommandApdu;
using iso7816::ResponseApdu;

// Under SM the wrapped answer (DO'87' + padding, DO'99', DO'8E') must fit a short Le=00 answer.
constexpr std::size_t kChunkSm = 0xDF;
constexpr std::size_t kChunkPlain = 0xFF;

}  // namespace

ResponseApdu EidTerminal::transmit(const CommandApdu& command) {
  if (channel_) return channel_->transmit(command);
  return reader_->transmit(command);
}

ResponseApdu EidTerminal::expect_ok(const CommandApdu& command, const char* step) {
  ResponseApdu r = transmit(command);
  if (r.sw != 0x9000) throw CardRefused(std::string(step) + ": " + iso7816::sw_name(r.sw), r.sw);
  return r;
}

Bytes EidTerminal::read_file_sfi(std::uint8_t sfi) {
  if (sfi == 0 || sfi > 30) fail(Errc::invalid_argument, "read: SFI must be 1..30");
  const std::size_t chunk = channel_ ? kChunkSm : kChunkPlain;
  const ResponseApdu r =
      transmit({0x00, 0xB0, static_cast<std::uint8_t>(0x80 | sfi), 0x00, {}, chunk, false});
  if (r.sw != 0x9000 && r.sw != 0x6282) throw CardRefused("READ BINARY: " + iso7816::sw_name(r.sw), r.sw);
  return read_rest(r.data, chunk);
}

Bytes EidTerminal::read_file_fid(std::uint16_t fid) {
  Bytes f;
  put_u16(f, fid);
  expect_ok({0x00, 0xA4, 0x02, 0x0C, f, 0, false}, "SELECT EF");
  const std::size_t chunk = channel_ ? kChunkSm : kChunkPlain;
  const ResponseApdu r = transmit({0x00, 0xB0, 0x00, 0x00, {}, chunk, false});
  if (r.sw != 0x9000 && r.sw != 0x6282) throw CardRefused("READ BINARY: " + iso7816::sw_name(r.sw), r.sw);
  return read_rest(r.data, chunk);
}

// The first chunk says how long the file is (its outer TLV); the rest comes by offset from the
// current EF. A file that is not one TLV object ends at the first short read.
Bytes EidTerminal::read_rest(Bytes first, std::size_t chunk) {
  Bytes out = std::move(first);
  if (out.size() < chunk) return out;
  std::size_t total = 0;
  try {
    total = parse_tlv_header(out).total_size();
  } catch (const Error&) {
    total = 0x7FFF;
  }
  if (total > 0x7FFF) fail(Errc::parse, "read: file above 32767 bytes");
  while (out.size() < total) {
    const std::size_t offset = out.size();
    const std::size_t want = std::min(chunk, total - offset);
    const ResponseApdu r = transmit({0x00,
                                     0xB0,
                                     static_cast<std::uint8_t>(offset >> 8),
                                     static_cast<std::uint8_t>(offset),
                                     {},
                                     want,
                                     false});
    if (r.sw == 0x6B00 && total == 0x7FFF) break;  // unknown length: ran past the end
    if (r.sw != 0x9000 && r.sw != 0x6282) throw CardRefused("READ BINARY: " + iso7816::sw_name(r.sw), r.sw);
    append(out, r.data);
    if (r.data.size() < want) break;
  }
  return out;
}

Bytes EidTerminal::chip_authentication() {
  if (!channel_) fail(Errc::state, "chip authentication: PACE first");
  Bytes dg14 = read_file_sfi(0x0E);
  const iso7816::SecurityInfos infos = iso7816::parse_dg14(dg14);
  std::optional<std::size_t> key_length;
  Bytes oid;
  for (const auto& ca : infos.chip_authentication) {
    key_length = pace::ca_ecdh_key_length(ca.protocol);
    if (key_length && ca.version == 1) {
      oid = ca.protocol;
      break;
    }
    key_length.reset();
  }
  if (!key_length || infos.chip_authentication_keys.empty())
    fail(Errc::not_found, "chip authentication: DG14 has no usable ChipAuthenticationInfo and key");
  const crypto::EcPublicKey card_key = iso7816::ca_public_key(infos.chip_authentication_keys.front());
  const auto ephemeral = crypto::EcPrivateKey::generate(card_key.curve());

  // ICAO 9303-11 §6.2.4.2 (AES): MSE:Set AT '80' protocol, then GENERAL AUTHENTICATE '7C' { '80' PK }.
  expect_ok({0x00, 0x22, 0x41, 0xA4, tlv_encode(0x80, oid), 0, false}, "MSE:Set AT (CA)");
  const Bytes ga = tlv_encode(0x7C, tlv_encode(0x80, ephemeral.public_key().to_uncompressed_point()));
  expect_ok({0x00, 0x86, 0x00, 0x00, ga, 256, false}, "GENERAL AUTHENTICATE (CA)");

  const SecureBytes k = crypto::ecdh(ephemeral, card_key);
  pace::SessionKeys keys = pace::session_keys(k.view(), *key_length);
  channel_.reset();
  channel_.emplace(*reader_, std::move(keys.k_enc), std::move(keys.k_mac));
  chip_authenticated_ = true;
  return dg14;
}

}  // namespace sesame::host::eid
