// An in-memory Store with the same sealing as the persistent ones: for tests and ephemeral cards.
#pragma once

#include <memory>

#include "store/store.h"
#include "store/store_faults.h"
#include "util/secure_buffer.h"

namespace sesame::store {

// master_key: 32 bytes. faults (optional) lets a test make chosen commits fail with Errc::io.
std::unique_ptr<Store> open_memory_store(SecureBytes master_key, std::shared_ptr<StoreFaults> faults = nullptr);

}  // namespace sesame::store
