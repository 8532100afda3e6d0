// The sealing format shared by every backend (see docs/STORE.md):
//   wrapped card key = iv(12) || AES-256-GCM(master key, AAD "sesame/card-key/v1|" card_id) || tag(16)
//   sealed record    = iv(12) || AES-256-GCM(card key, AAD "sesame/record/v1|" card_id "|" key "|" version) || tag(16)
// with a fresh random IV per seal and the version written in decimal.
//
// A tag that does not verify is Errc::crypto inside crypto/ (DECISIONS D6); here it becomes
// Errc::integrity, the store's "tampered, moved or rolled back".
#pragma once

#include <cstdint>
#include <string>

#include "crypto/aes_gcm.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::store {

inline constexpr std::size_t kStoreKeySize = 32;

// The keyed forms take a prepared key (the store keeps one per open card and one for the master
// key); the ByteView forms prepare the key on every call.
Bytes wrap_card_key(const crypto::AesGcmKey& master_key, const std::string& card_id, ByteView card_key);
Bytes wrap_card_key(ByteView master_key, const std::string& card_id, ByteView card_key);
// Throws Error(Errc::integrity) when the wrapped key does not authenticate (wrong master key,
// tampered, or wrapped for another card).
SecureBytes unwrap_card_key(const crypto::AesGcmKey& master_key, const std::string& card_id, ByteView wrapped);
SecureBytes unwrap_card_key(ByteView master_key, const std::string& card_id, ByteView wrapped);

Bytes seal_record(const crypto::AesGcmKey& card_key, const std::string& card_id, const std::string& key,
                  std::uint64_t version, ByteView plaintext);
Bytes seal_record(ByteView card_key, const std::string& card_id, const std::string& key, std::uint64_t version,
                  ByteView plaintext);
// Throws Error(Errc::integrity) naming the card and record (never its content).
SecureBytes open_record(const crypto::AesGcmKey& card_key, const std::string& card_id, const std::string& key,
                        std::uint64_t version, ByteView sealed);
SecureBytes open_record(ByteView card_key, const std::string& card_id, const std::string& key,
                        std::uint64_t version, ByteView sealed);

// Printable form of a record key for error messages (the manifest key starts with a NUL byte).
std::string printable_key(const std::string& key);

}  // namespace sesame::store
