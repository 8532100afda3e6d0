// The WSCA applet's persistent records for its wallet units (docs/WSCA.md, "Records and erasure").
// Every record of unit U lives under "u/<U as 8 hex digits>/": meta, kek (the unit's 32-byte
// key-encryption key), ka (its key-agreement private key), pin.*, puk.*, next_key, k/<key id>
// (a private key wrapped under the kek) and d/<object id> (a data object encrypted under the kek).
// Deleting a key erases its record; deleting a unit erases every record of the unit, the kek
// with it, so nothing left in the store can unwrap what was wrapped under it (crypto-erase).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "card/persistent.h"
#include "crypto/ec_key.h"
#include "iso7816/wsca_protocol.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::applets::wsca {

using namespace iso7816::wsca;  // NOLINT: the protocol's names are the applet's vocabulary

std::optional<crypto::Curve> curve_from_code(std::uint8_t code);
std::uint8_t curve_code(crypto::Curve curve);  // Error(Errc::invalid_argument) if unsupported

struct UnitMeta {
  UnitState state = UnitState::created;
  Bytes expected_device_key;  // set by CREATE UNIT when the provider binds the device key
  Bytes device_key;           // registered by ACTIVATE
};

struct KeyInfo {
  crypto::Curve curve = crypto::Curve::p256;
  KeyPolicy policy = KeyPolicy::session;
  std::uint16_t window = kDefaultWindow;
  Bytes public_point;
  Bytes label;
};

std::string unit_prefix(std::uint32_t unit);
std::string pin_name(std::uint32_t unit);  // PinObject stems
std::string puk_name(std::uint32_t unit);
std::string key_record(std::uint32_t unit, std::uint32_t key_id);

bool unit_exists(const card::Persistent& p, std::uint32_t unit);
// Allocates a never-used unit id and writes the unit's meta, kek and key-agreement key.
std::uint32_t create_unit(card::Persistent& p, ByteView expected_device_key);
UnitMeta read_meta(const card::Persistent& p, std::uint32_t unit);
void write_meta(card::Persistent& p, std::uint32_t unit, const UnitMeta& meta);
crypto::EcPrivateKey ka_key(const card::Persistent& p, std::uint32_t unit);
void erase_unit(card::Persistent& p, std::uint32_t unit);

// Wraps the private key under the unit's kek and stores it under a never-used key id.
std::uint32_t store_key(card::Persistent& p, std::uint32_t unit, const crypto::EcPrivateKey& key,
                        KeyPolicy policy, std::uint16_t window, ByteView label);
std::optional<KeyInfo> read_key_info(const card::Persistent& p, std::uint32_t unit, std::uint32_t key_id);
// Throws Error(Errc::not_found) when absent, Error(Errc::integrity) when it does not unwrap.
crypto::EcPrivateKey unwrap_key(const card::Persistent& p, std::uint32_t unit, std::uint32_t key_id);
std::vector<std::uint32_t> key_ids(const card::Persistent& p, std::uint32_t unit);
bool erase_key(card::Persistent& p, std::uint32_t unit, std::uint32_t key_id);

void put_data(card::Persistent& p, std::uint32_t unit, std::uint16_t object_id, ByteView value);
std::optional<SecureBytes> get_data(const card::Persistent& p, std::uint32_t unit, std::uint16_t object_id);
bool erase_data(card::Persistent& p, std::uint32_t unit, std::uint16_t object_id);

}  // namespace sesame::applets::wsca
