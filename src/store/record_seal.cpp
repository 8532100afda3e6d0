#include "store/record_seal.h"

#include "crypto/aes_gcm.h"
#include "crypto/random.h"
#include "util/error.h"

namespace sesame::store {
namespace {

constexpr std::string_view kCardKeyLabel = "sesame/card-key/v1|";
constexpr std::string_view kRecordLabel = "sesame/record/v1|";

Bytes record_aad(const std::string& card_id, const std::string& key, std::uint64_t version) {
  std::string aad;
  aad.reserve(kRecordLabel.size() + card_id.size() + key.size() + 24);
  aad.append(kRecordLabel).append(card_id).append("|").append(key).append("|").append(std::to_string(version));
  return Bytes(aad.begin(), aad.end());
}

Bytes seal(ByteView key, ByteView aad, ByteView plaintext) {
  Bytes iv = crypto::random_bytes(crypto::kGcmIvSize);
  Bytes out = crypto::aes_gcm_encrypt(key, iv, aad, plaintext);
  out.insert(out.begin(), iv.begin(), iv.end());
  return out;
}

// Returns an empty optional-like flag through the bool: false when authentication fails.
bool open(ByteView key, ByteView aad, ByteView sealed, SecureBytes& out) {
  if (sealed.size() < crypto::kGcmIvSize + crypto::kGcmTagSize) return false;
  try {
    out = crypto::aes_gcm_decrypt(key, sealed.first(crypto::kGcmIvSize), aad, sealed.subspan(crypto::kGcmIvSize));
    return true;
  } catch (const Error& e) {
    if (e.code() != Errc::integrity) throw;
    return false;
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

Bytes wrap_card_key(ByteView master_key, const std::string& card_id, ByteView card_key) {
  std::string aad = std::string(kCardKeyLabel) + card_id;
  return seal(master_key, as_bytes(aad), card_key);
}

SecureBytes unwrap_card_key(ByteView master_key, const std::string& card_id, ByteView wrapped) {
  std::string aad = std::string(kCardKeyLabel) + card_id;
  SecureBytes key;
  if (!open(master_key, as_bytes(aad), wrapped, key) || key.size() != kStoreKeySize)
    fail(Errc::integrity, "store: the key of card '" + card_id +
                              "' does not authenticate (wrong master key, tampered, or moved from another card)");
  return key;
}

Bytes seal_record(ByteView card_key, const std::string& card_id, const std::string& key, std::uint64_t version,
                  ByteView plaintext) {
  return seal(card_key, record_aad(card_id, key, version), plaintext);
}

SecureBytes open_record(ByteView card_key, const std::string& card_id, const std::string& key,
                        std::uint64_t version, ByteView sealed) {
  SecureBytes out;
  if (!open(card_key, record_aad(card_id, key, version), sealed, out))
    fail(Errc::integrity, "store: record '" + printable_key(key) + "' of card '" + card_id +
                              "' does not authenticate (tampered, renamed, moved from another card, or wrong version)");
  return out;
}

}  // namespace sesame::store
