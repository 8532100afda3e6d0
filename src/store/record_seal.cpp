#include "store/record_seal.h"

#include <pthread.h>

#include <atomic>
#include <charconv>
#include <cstring>
#include <mutex>

#include "crypto/random.h"
#include "util/error.h"

namespace sesame::store {
namespace {

constexpr std::string_view kCardKeyLabel = "sesame/card-key/v1|";
constexpr std::string_view kRecordLabel = "sesame/record/v1|";

std::string record_aad(const std::string& card_id, const std::string& key, std::uint64_t version) {
  char digits[24];
  const auto [end, ec] = std::to_chars(std::begin(digits), std::end(digits), version);
  (void)ec;  // 24 characters hold any 64-bit value
  std::string aad;
  aad.reserve(kRecordLabel.size() + card_id.size() + key.size() + 2 + static_cast<std::size_t>(end - digits));
  aad.append(kRecordLabel).append(card_id).append("|").append(key).append("|").append(digits, end);
  return aad;
}

std::string card_key_aad(const std::string& card_id) { return std::string(kCardKeyLabel) + card_id; }

// Fresh random IVs, drawn from OpenSSL's DRBG 32 at a time per thread: one RAND_bytes call costs
// about as much as sealing a record (its per-call locking and fork check), a block of 32 IVs hardly
// more than one. IVs are public, so keeping unused ones in memory reveals nothing. A forked child
// must never reuse its parent's IVs (GCM under one key with a repeated IV loses authenticity), so a
// fork makes every thread's block stale (pthread_atfork), as OpenSSL's own fork check does.
std::atomic<std::uint64_t> fork_generation{0};

void random_iv(std::span<std::uint8_t> iv) {
  static std::once_flag registered;
  std::call_once(registered, [] {
    pthread_atfork(nullptr, nullptr, [] { fork_generation.fetch_add(1, std::memory_order_relaxed); });
  });
  struct Block {
    std::uint8_t bytes[32 * crypto::kGcmIvSize];
    std::size_t used = sizeof(bytes);
    std::uint64_t generation = 0;
  };
  thread_local Block block;
  const std::uint64_t generation = fork_generation.load(std::memory_order_relaxed);
  if (block.used + iv.size() > sizeof(block.bytes) || block.generation != generation) {
    crypto::random_fill(block.bytes);
    block.used = 0;
    block.generation = generation;
  }
  std::memcpy(iv.data(), block.bytes + block.used, iv.size());
  std::memset(block.bytes + block.used, 0, iv.size());  // each IV is handed out once
  block.used += iv.size();
}

// iv || ciphertext || tag in one buffer: the IV is drawn into it and the cipher writes after it.
Bytes seal(const crypto::AesGcmKey& key, ByteView aad, ByteView plaintext) {
  Bytes out(crypto::kGcmIvSize + plaintext.size() + crypto::kGcmTagSize);
  const std::span<std::uint8_t> iv(out.data(), crypto::kGcmIvSize);
  random_iv(iv);
  key.encrypt_into(iv, aad, plaintext, std::span<std::uint8_t>(out).subspan(crypto::kGcmIvSize));
  return out;
}

// The same with a key used once: the one-shot functions, no prepared context to build and clone.
Bytes seal(ByteView key, ByteView aad, ByteView plaintext) {
  Bytes out(crypto::kGcmIvSize + plaintext.size() + crypto::kGcmTagSize);
  const std::span<std::uint8_t> iv(out.data(), crypto::kGcmIvSize);
  random_iv(iv);
  const Bytes ct = crypto::aes_gcm_encrypt(key, iv, aad, plaintext);
  std::copy(ct.begin(), ct.end(), out.begin() + crypto::kGcmIvSize);
  return out;
}

// nullopt when the blob is too short or does not authenticate.
std::optional<SecureBytes> open(const crypto::AesGcmKey& key, ByteView aad, ByteView sealed) {
  if (sealed.size() < crypto::kGcmIvSize + crypto::kGcmTagSize) return std::nullopt;
  return key.try_decrypt(sealed.first(crypto::kGcmIvSize), aad, sealed.subspan(crypto::kGcmIvSize));
}

// A refused tag is Errc::crypto from crypto/ (D6); here it is the store's integrity failure.
std::optional<SecureBytes> open(ByteView key, ByteView aad, ByteView sealed) {
  if (sealed.size() < crypto::kGcmIvSize + crypto::kGcmTagSize) return std::nullopt;
  try {
    return crypto::aes_gcm_decrypt(key, sealed.first(crypto::kGcmIvSize), aad, sealed.subspan(crypto::kGcmIvSize));
  } catch (const Error& e) {
    if (e.code() != Errc::crypto) throw;
    return std::nullopt;
  }
}

}  // namespace

std::string printable_key(const std::string& key) {
  std::string out;
  for (char c : key) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

Bytes wrap_card_key(const crypto::AesGcmKey& master_key, const std::string& card_id, ByteView card_key) {
  return seal(master_key, as_bytes(card_key_aad(card_id)), card_key);
}

Bytes wrap_card_key(ByteView master_key, const std::string& card_id, ByteView card_key) {
  return seal(master_key, as_bytes(card_key_aad(card_id)), card_key);
}

namespace {

SecureBytes card_key_or_fail(std::optional<SecureBytes> key, const std::string& card_id) {
  if (!key || key->size() != kStoreKeySize)
    fail(Errc::integrity, "store: the key of card '" + card_id +
                              "' does not authenticate (wrong master key, tampered, or moved from another card)");
  return std::move(*key);
}

SecureBytes record_or_fail(std::optional<SecureBytes> record, const std::string& card_id, const std::string& key) {
  if (!record)
    fail(Errc::integrity, "store: record '" + printable_key(key) + "' of card '" + card_id +
                              "' does not authenticate (tampered, renamed, moved from another card, or wrong version)");
  return std::move(*record);
}

}  // namespace

SecureBytes unwrap_card_key(const crypto::AesGcmKey& master_key, const std::string& card_id, ByteView wrapped) {
  return card_key_or_fail(open(master_key, as_bytes(card_key_aad(card_id)), wrapped), card_id);
}

SecureBytes unwrap_card_key(ByteView master_key, const std::string& card_id, ByteView wrapped) {
  return card_key_or_fail(open(master_key, as_bytes(card_key_aad(card_id)), wrapped), card_id);
}

Bytes seal_record(const crypto::AesGcmKey& card_key, const std::string& card_id, const std::string& key,
                  std::uint64_t version, ByteView plaintext) {
  return seal(card_key, as_bytes(record_aad(card_id, key, version)), plaintext);
}

Bytes seal_record(ByteView card_key, const std::string& card_id, const std::string& key, std::uint64_t version,
                  ByteView plaintext) {
  return seal(card_key, as_bytes(record_aad(card_id, key, version)), plaintext);
}

SecureBytes open_record(const crypto::AesGcmKey& card_key, const std::string& card_id, const std::string& key,
                        std::uint64_t version, ByteView sealed) {
  return record_or_fail(open(card_key, as_bytes(record_aad(card_id, key, version)), sealed), card_id, key);
}

SecureBytes open_record(ByteView card_key, const std::string& card_id, const std::string& key,
                        std::uint64_t version, ByteView sealed) {
  return record_or_fail(open(card_key, as_bytes(record_aad(card_id, key, version)), sealed), card_id, key);
}

}  // namespace sesame::store
