#include "host/gp/store_data.h"

#include <string>

#include "iso7816/gp_dgi.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::host::gp {
namespace {

namespace p1 = iso7816::gp::store_data_p1;

void expect_ok(const iso7816::ResponseApdu& r, const std::string& what) {
  if (!r.ok()) fail(Errc::state, what + " refused: " + iso7816::sw_name(r.sw));
}

}  // namespace

std::vector<StoreDataBlock> store_data_blocks(const std::vector<DgiEntry>& dgis, ByteView dek) {
  std::vector<StoreDataBlock> blocks;
  bool open = false;
  for (const auto& d : dgis) {
    const Bytes encoded = d.encrypt ? iso7816::gp::encode_dgi(d.tag, iso7816::gp::encrypt_dgi_value(dek, d.value.view()))
                                    : iso7816::gp::encode_dgi(d.tag, d.value.view());
    const std::uint8_t want = static_cast<std::uint8_t>(p1::dgi_format | (d.encrypt ? p1::encrypted : p1::not_encrypted));
    if (!open || blocks.back().p1 != want || blocks.back().data.size() + encoded.size() > kStoreDataBlock) {
      blocks.push_back({want, {}});
      open = true;
    }
    append(blocks.back().data, encoded);
  }
  if (blocks.empty()) blocks.push_back({p1::dgi_format, {}});
  blocks.back().p1 |= p1::last_block;
  return blocks;
}

void personalise(Scp03Session& s, ByteView application_aid, const std::vector<DgiEntry>& dgis) {
  if (application_aid.size() < 5 || application_aid.size() > 16) fail(Errc::invalid_argument, "an application AID is 5-16 bytes");
  Bytes install{0x00, 0x00, static_cast<std::uint8_t>(application_aid.size())};
  append(install, application_aid);
  append(install, Bytes{0x00, 0x00, 0x00});
  expect_ok(s.transmit({0x80, 0xE6, 0x20, 0x00, install, 256, false}), "INSTALL [for personalization]");
  const auto blocks = store_data_blocks(dgis, s.static_dek().view());
  if (blocks.size() > 256) fail(Errc::invalid_argument, "more than 256 STORE DATA blocks");
  for (std::size_t i = 0; i < blocks.size(); ++i)
    expect_ok(s.transmit({0x80, 0xE2, blocks[i].p1, static_cast<std::uint8_t>(i), blocks[i].data, 0, false}),
              "STORE DATA block " + std::to_string(i));
}

void store_sd_data(Scp03Session& s, ByteView ber_tlv) {
  expect_ok(s.transmit({0x80, 0xE2, static_cast<std::uint8_t>(p1::last_block | p1::ber_tlv_format), 0x00, Bytes(ber_tlv.begin(), ber_tlv.end()), 0,
                        false}),
            "STORE DATA");
}

Bytes get_data(Reader& reader, std::uint16_t tag) {
  expect_ok(reader.transmit({0x00, 0xA4, 0x04, 0x00, isd_aid(), 256, false}), "SELECT of the ISD");
  const auto r = reader.transmit({0x80, 0xCA, static_cast<std::uint8_t>(tag >> 8), static_cast<std::uint8_t>(tag), {}, 256, false});
  if (r.sw == 0x6A88) fail(Errc::not_found, "the card has no data object " + to_hex(Bytes{static_cast<std::uint8_t>(tag >> 8), static_cast<std::uint8_t>(tag)}));
  expect_ok(r, "GET DATA");
  return r.data;
}

}  // namespace sesame::host::gp
