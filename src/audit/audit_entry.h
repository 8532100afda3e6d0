// One entry of the tamper-evident audit log (docs/SIGNING.md, "Audit log"): who asked for what,
// on which object, and what was decided. Entries form a SHA-256 hash chain and each is signed
// (ECDSA P-256) by the server's audit key, so an entry altered, removed, inserted or moved is
// detected by anyone holding the audit public key (audit_verify.h).
//
// Encoding (big-endian, version 1):
//   "SAL1" || seq u64 || time_ms i64 || decision u8 || prev_hash[32] || key_id[32]
//   || actor (u16 len || UTF-8) || action (u16 || ..) || object (u16 || ..) || detail (u16 || ..)
//   || signature[64]  (ECDSA P-256 r||s over SHA-256 of everything before it: the body)
// hash(entry) = SHA-256("sesame audit v1" || 0x00 || body); prev_hash of entry 1 is 32 zero bytes.
// key_id = SHA-256 of the audit key's SubjectPublicKeyInfo (DER).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/ec_key.h"
#include "util/bytes.h"

namespace sesame::audit {

enum class Decision : std::uint8_t { allowed = 1, denied = 2, failed = 3 };
std::string_view decision_name(Decision d) noexcept;

// Field limits, checked on append (invalid_argument) and on decode (parse). Text fields are
// printable: no control characters, so `audit show` cannot be used to forge terminal output.
inline constexpr std::size_t kMaxActor = 1024;   // certificate subject
inline constexpr std::size_t kMaxAction = 64;    // "sign", "activate", "key.create", ...
inline constexpr std::size_t kMaxObject = 256;   // key id, card id
inline constexpr std::size_t kMaxDetail = 2048;  // free text; never secrets
inline constexpr std::size_t kHashSize = 32;
inline constexpr std::size_t kSignatureSize = 64;

// What a caller records; the log fills in the rest.
struct Record {
  std::string actor;
  std::string action;
  std::string object;
  Decision decision = Decision::denied;
  std::string detail;
};

struct Entry {
  std::uint64_t seq = 0;     // 1, 2, 3, ... without gaps
  std::int64_t time_ms = 0;  // Unix time in milliseconds, the server's clock
  Record record;
  Bytes prev_hash;  // kHashSize bytes
  Bytes key_id;     // kHashSize bytes
  Bytes signature;  // kSignatureSize bytes
};

// Throws Error(Errc::invalid_argument) for an empty actor/action, an over-long or unprintable field.
void check_record(const Record& r);

Bytes encode_body(const Entry& e);   // everything the signature covers
Bytes encode_entry(const Entry& e);  // body || signature
// Parses one stored entry. Error(Errc::parse) for anything malformed (wrong magic, truncated,
// trailing bytes, an unknown decision, a field too long or unprintable).
Entry decode_entry(ByteView b);

Bytes entry_hash(const Entry& e);
Bytes key_id_of(const crypto::EcPublicKey& key);

// Signs e (whose signature field is ignored) and returns it with signature and key_id set.
Entry sign_entry(Entry e, const crypto::EcPrivateKey& key);
// True when e's signature is valid under key (the key_id is not checked here).
bool signature_valid(const Entry& e, const crypto::EcPublicKey& key);

}  // namespace sesame::audit
