// Personalisation through the security domain (GP Card Specification 2.3 §11.5 INSTALL [for
// personalization], §11.11 STORE DATA) and GET DATA of the ISD's data objects (§11.3), through an
// open SCP03 session (docs/GP.md).
#pragma once

#include <cstdint>
#include <vector>

#include "host/gp/dgi_file.h"
#include "host/gp/scp03_session.h"
#include "host/reader.h"
#include "util/bytes.h"

namespace sesame::host::gp {

// Data bytes per STORE DATA block the splitter aims at (a larger single DGI gets a block of its own,
// sent as an extended APDU when the secure channel makes it longer than 255 bytes).
inline constexpr std::size_t kStoreDataBlock = 200;

// The STORE DATA blocks (P1, data) for these DGIs: consecutive DGIs with the same `encrypt` share
// blocks of at most kStoreDataBlock bytes; `enc` values are encrypted with `dek`
// (iso7816/gp_dgi.h); the last block has P1 b8. No DGIs: one empty last block.
struct StoreDataBlock {
  std::uint8_t p1 = 0;
  Bytes data;
};
std::vector<StoreDataBlock> store_data_blocks(const std::vector<DgiEntry>& dgis, ByteView dek);

// INSTALL [for personalization] of `application_aid`, then the STORE DATA blocks numbered from 00,
// encrypted DGIs under the session's static K-DEK. The card applies all of it at the last block or
// nothing. Throws Error(Errc::state) naming the status word (and the block) when the card refuses.
void personalise(Scp03Session& session, ByteView application_aid, const std::vector<DgiEntry>& dgis);

// STORE DATA of BER-TLV data to the security domain itself (no INSTALL [for personalization]):
// e.g. '42' IIN, '45' CIN. One block.
void store_sd_data(Scp03Session& session, ByteView ber_tlv);

// GET DATA (80 CA P1P2) of the selected security domain over a reader: selects the ISD first.
// Returns the data object as the card sends it (tag, length, value). Throws Error(Errc::not_found)
// for 6A88, Error(Errc::state) naming any other refusal.
Bytes get_data(Reader& reader, std::uint16_t tag);

}  // namespace sesame::host::gp
