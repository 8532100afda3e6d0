// Reading a payment application's transaction log (EMV Book 3 Annex D): SELECT the application,
// find the log entry (9F4D: SFI and number of records) in its FCI, GET DATA the log format (9F4F),
// then READ RECORD the entries, most recent first, split by the log format.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "host/reader.h"
#include "util/bytes.h"

namespace sesame::host::emv {

struct LogEntry {
  std::vector<std::pair<std::uint32_t, Bytes>> fields;  // in the log format's order
  Bytes raw;
};

// Empty when the application has no log entry in its FCI. Throws Error for a card that selects
// badly or answers a malformed log format or record.
std::vector<LogEntry> read_transaction_log(Reader& reader, ByteView aid);

}  // namespace sesame::host::emv
