#include "host/emv/transaction_log.h"

#include "iso7816/emv_dol.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::host::emv {

std::vector<LogEntry> read_transaction_log(Reader& reader, ByteView aid) {
  namespace dol = iso7816::emv;
  const auto sel = reader.transmit({0x00, 0xA4, 0x04, 0x00, Bytes(aid.begin(), aid.end()), 256, false});
  if (!sel.ok() && sel.sw != 0x6283) fail(Errc::state, "SELECT answered " + iso7816::sw_name(sel.sw));
  const Tlv fci = parse_one(sel.data);
  const Tlv* entry = fci.find_deep(0x9F4D);
  if (!entry) return {};
  if (entry->value().size() != 2) fail(Errc::parse, "log entry 9F4D must be 2 bytes");
  const std::uint8_t sfi = entry->value()[0], count = entry->value()[1];
  const auto fmt = reader.transmit({0x80, 0xCA, 0x9F, 0x4F, {}, 256, false});
  if (!fmt.ok()) fail(Errc::state, "GET DATA 9F4F answered " + iso7816::sw_name(fmt.sw));
  const auto format = dol::parse_dol(parse_one(fmt.data).value());
  const std::size_t size = dol::dol_data_length(format);
  std::vector<LogEntry> out;
  for (int n = 1; n <= count; ++n) {
    const auto r = reader.transmit({0x00,
                                    0xB2,
                                    static_cast<std::uint8_t>(n),
                                    static_cast<std::uint8_t>((sfi << 3) | 4),
                                    {},
                                    256,
                                    false});
    if (r.sw == 0x6A83) break;  // fewer entries than the log can hold
    if (!r.ok()) fail(Errc::state, "READ RECORD (log) answered " + iso7816::sw_name(r.sw));
    if (r.data.size() != size) fail(Errc::parse, "log record does not match the log format");
    LogEntry e;
    e.raw = r.data;
    std::size_t at = 0;
    for (const auto& d : format) {
      e.fields.emplace_back(d.tag, Bytes(r.data.begin() + static_cast<std::ptrdiff_t>(at),
                                         r.data.begin() + static_cast<std::ptrdiff_t>(at + d.length)));
      at += d.length;
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace sesame::host::emv
