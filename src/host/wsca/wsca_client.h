// A terminal for the WSCA applet (docs/WSCA.md) over any Reader: builds its commands, signs
// authentication requests with the device key and seals the PIN to the unit's key-agreement key,
// so the PIN never crosses the transport in clear. Used by the PKCS#11 module; works the same
// against a hosted card (InProcessReader), PC/SC or RACS.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "crypto/ec_key.h"
#include "host/reader.h"
#include "iso7816/wsca_protocol.h"
#include "util/bytes.h"
#include "util/error.h"
#include "util/secure_buffer.h"

namespace sesame::host::wsca {

// A command the applet refused: its status word (6982, 63Cx, 6983, 6A88...).
class CardRefused : public Error {
 public:
  explicit CardRefused(std::uint16_t sw);
  std::uint16_t sw() const noexcept { return sw_; }

 private:
  std::uint16_t sw_;
};

struct UnitInfo {
  std::uint32_t unit = 0;
  iso7816::wsca::UnitState state = iso7816::wsca::UnitState::created;
  Bytes ka_public_key;
  Bytes device_key;
  std::optional<std::uint8_t> pin_tries, puk_tries;
  std::uint32_t pin_delay = 0;  // seconds until the next PIN attempt is accepted
};

struct KeyInfo {
  std::uint32_t id = 0;
  std::uint8_t curve = 0;  // iso7816::wsca::CurveCode
  iso7816::wsca::KeyPolicy policy = iso7816::wsca::KeyPolicy::session;
  std::uint16_t window = 0;
  Bytes public_point;
  std::uint8_t flags = 0;
  Bytes label;
};

class WscaClient {
 public:
  // `reader` must outlive the client; `aid` is the applet instance's AID.
  WscaClient(Reader& reader, Bytes aid);

  void select();
  // Returns the unit id (the key-agreement key is in unit_info()).
  std::uint32_t create_unit(std::optional<ByteView> puk, std::optional<ByteView> expected_device_key);
  void activate(std::uint32_t unit, const crypto::EcPrivateKey& device_key, ByteView pin);
  void authenticate(std::uint32_t unit, const crypto::EcPrivateKey& device_key, ByteView pin);
  // AUTHENTICATE bound to one operation (operation_binding(), tag D5): the authentication allows
  // exactly that command and ends with it.
  void authenticate_for(std::uint32_t unit, const crypto::EcPrivateKey& device_key, ByteView pin,
                        ByteView operation);
  // The binding of the command `ins` / `p1` with this data field: INS || P1 || SHA-256(data).
  static Bytes binding(iso7816::wsca::Ins ins, std::uint8_t p1, ByteView data);
  // Data fields of the operations, as sign() etc. send them (to compute their binding first).
  static Bytes unit_data(std::uint32_t unit);
  static Bytes key_data(std::uint32_t unit, std::uint32_t key_id);
  static Bytes sign_data(std::uint32_t unit, std::uint32_t key_id, ByteView digest);
  static Bytes generate_data(std::uint32_t unit, iso7816::wsca::CurveCode curve, iso7816::wsca::KeyPolicy policy,
                             std::uint16_t window, ByteView label);
  void unblock(std::uint32_t unit, const crypto::EcPrivateKey& device_key, ByteView puk,
               std::optional<ByteView> new_pin);
  void provider_authenticate(const crypto::EcPrivateKey& provider_key);
  void provider_unblock(std::uint32_t unit);
  void delete_unit(std::uint32_t unit);
  UnitInfo unit_info(std::uint32_t unit);
  void logout(std::uint32_t unit);

  KeyInfo generate_key(std::uint32_t unit, iso7816::wsca::CurveCode curve, iso7816::wsca::KeyPolicy policy,
                       std::uint16_t window, ByteView label = {});
  Bytes sign(std::uint32_t unit, std::uint32_t key_id, ByteView digest, bool der);
  SecureBytes ecdh(std::uint32_t unit, std::uint32_t key_id, ByteView peer_point);
  KeyInfo key_info(std::uint32_t unit, std::uint32_t key_id);
  std::vector<std::uint32_t> list_keys(std::uint32_t unit);
  void delete_key(std::uint32_t unit, std::uint32_t key_id);

  // BIND KEYS: the transcript (docs/WSCA.md) and each key's signature over it, in key order.
  struct KeyBinding {
    Bytes transcript;
    std::vector<Bytes> proofs;
  };
  KeyBinding bind_keys(std::uint32_t unit, ByteView nonce, const std::vector<std::uint32_t>& key_ids);
  static Bytes bind_keys_data(std::uint32_t unit, ByteView nonce, const std::vector<std::uint32_t>& key_ids);

  void put_data(std::uint32_t unit, std::uint16_t object_id, ByteView value);
  SecureBytes get_data(std::uint32_t unit, std::uint16_t object_id);
  void delete_data(std::uint32_t unit, std::uint16_t object_id);

  static KeyInfo parse_key_template(ByteView data);

  // GET CHALLENGE: 32 one-time bytes for `unit` (kProviderUnit: the provider), kept in this
  // channel's session until the next authentication command for that unit consumes them.
  Bytes challenge(std::uint32_t unit);
  // What a device signs after the challenge (docs/WSCA.md): C0 unit, [C3 device key],
  // [D5 operation], C4, C5.
  static Bytes signed_part(std::uint32_t unit, ByteView device_key_field, ByteView operation,
                           ByteView ephemeral_key, ByteView envelope);
  // Sends ACTIVATE / AUTHENTICATE / UNBLOCK exactly as a wallet instance elsewhere prepared it
  // (sealed PIN, device signature, and for AUTHENTICATE the D5 operation binding it signed; empty:
  // none) — for a relay such as sesamed's HTTPS API, which never sees the PIN or the device key.
  void send_signed(iso7816::wsca::Ins ins, std::uint32_t unit, ByteView device_key_field, ByteView operation,
                   ByteView ephemeral_key, ByteView envelope, ByteView signature);

 private:
  // Sends the command; a status word other than 9000 throws CardRefused.
  Bytes command(iso7816::wsca::Ins ins, ByteView data, std::uint8_t p1 = 0);
  // A device-signed command carrying a PIN envelope (ACTIVATE, AUTHENTICATE, UNBLOCK).
  void signed_envelope_command(iso7816::wsca::Ins ins, std::uint32_t unit,
                               const crypto::EcPrivateKey& device_key, ByteView device_key_field,
                               const SecureBytes& envelope_plaintext, ByteView operation = {});

  Reader& reader_;
  Bytes aid_;
};

}  // namespace sesame::host::wsca
