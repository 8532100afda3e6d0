// The Issuer Security Domain's SCP03 key sets (GP Card Specification 2.3 §11.1.8, Amendment D
// §4.1.1): K-ENC (key id 01), K-MAC (02), K-DEK (03), by key version number, each set with its own
// sequence counter. They live only in the card's sealed records ("scp03/keys/<KVN>"), never in
// clear, never in logs.
//
// A new card gets key set 30 holding the GlobalPlatform test key 404142..4F three times: a
// DEVELOPMENT DEFAULT that anybody knows, which a real issuer replaces before the card leaves
// its hands (docs/GP.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "card/persistent.h"
#include "iso7816/apdu.h"
#include "iso7816/scp03.h"
#include "store/store.h"
#include "util/bytes.h"

namespace sesame::card {

inline constexpr std::uint8_t kDefaultKeyVersion = 0x30;
inline constexpr std::uint8_t kKeyTypeAes = 0x88;  // GP §11.1.8 Table 11-16

// 404142434445464748494A4B4C4D4E4F, the GlobalPlatform test key (development only).
iso7816::scp03::StaticKeys gp_test_keys();

std::string key_set_record(std::uint8_t version);           // "scp03/keys/30"
std::string sequence_counter_record(std::uint8_t version);  // "scp03/seq/30"

// Through the ISD's Persistent. Throws Error(Errc::integrity) for a record that does not decode.
std::optional<iso7816::scp03::StaticKeys> load_key_set(const Persistent& isd, std::uint8_t version);
void store_key_set(Persistent& isd, std::uint8_t version, const iso7816::scp03::StaticKeys& keys);
// Key version numbers present, ascending.
std::vector<std::uint8_t> key_versions(const Persistent& isd);
std::uint32_t sequence_counter(const Persistent& isd, std::uint8_t version);

// Consecutive failed EXTERNAL AUTHENTICATEs (wrong host cryptogram or wrong C-MAC) per key set,
// record "scp03/fail/<KVN>". GP 2.3 leaves the limit to the implementation; sesame blocks a key set
// after kMaxAuthenticationFailures (10, the usual value of issued cards): INITIALIZE UPDATE with it
// then answers 6983 until PUT KEY replaces the set through another key set (docs/GP.md).
inline constexpr std::uint8_t kMaxAuthenticationFailures = 10;
std::string authentication_failures_record(std::uint8_t version);  // "scp03/fail/30"
std::uint8_t authentication_failures(const Persistent& isd, std::uint8_t version);

// PUT KEY (GP §11.8) of a whole SCP03 key set, inside an authenticated session opened with key set
// `session_kvn` (whose K-DEK encrypts the new keys): P1 = 00 adds key set <new KVN>, P1 = KVN
// replaces that set (its sequence counter carries over); P2 = 81 (keys 01-03). Answers
// new KVN || three key check values. Status words: 6A86 P1/P2 (chained or single-key PUT KEY),
// 6A88 the set to replace does not exist, 6A80 malformed data or the new KVN already exists,
// 9484 not AES, 9485 a key check value does not match.
iso7816::ResponseApdu put_key(const iso7816::CommandApdu& apdu, Persistent& isd, std::uint8_t session_kvn);

// Store changes (full record keys, under the ISD's prefix) that give a new card key set 30.
std::vector<store::Change> default_key_set_changes();

}  // namespace sesame::card
