// The one implementation of Store/CardStore: seals every record (record_seal.h), keeps a manifest
// per card (manifest.h) and hands only sealed rows to a Backend. Backends differ only in where the
// rows live.
#pragma once

#include <memory>

#include "store/backend.h"
#include "store/store.h"
#include "util/secure_buffer.h"

namespace sesame::store {

// master_key must be 32 bytes (Error(Errc::invalid_argument) otherwise).
std::unique_ptr<Store> open_sealed_store(std::shared_ptr<Backend> backend, SecureBytes master_key);

// Card ids: 1..200 bytes, no control characters, no '|'. Record keys: 1..1024 bytes, not starting
// with a NUL byte (reserved for the manifest). Error(Errc::invalid_argument) otherwise.
void check_card_id(const std::string& card_id);
void check_record_key(const std::string& key);

}  // namespace sesame::store
