// The PKCS#11 module's state (docs/WSCA.md, "PKCS#11 module"): WSCA applet instances on cards in a
// local store, reached through host::InProcessReader; each token is one wallet unit.
//   slot 0                  the free slot: C_InitToken there creates a new token: a card of its own
//                           ("<card>.t<slot>") whose WSCA applet holds the token's one unit, so
//                           tokens sign in parallel (a card runs one APDU at a time)
//   slot <n>                a token: its card and unit, and the device key this module holds
// Tokens made before per-token cards are units of the main card ("<card>"), slot = unit id.
// Object handles name (slot, key id, public/private); a handle of another token is refused, so a
// session reaches only its own unit's keys. Session objects (ECDH results) have b63 set.
//
// Locks: Initialize/Finalize are serialised outside this class; the session table is a
// shared_mutex (readers never wait for each other); each slot serialises only its authentication
// (one card challenge per unit at a time) and guards its key-information cache with a shared_mutex.
// Signing takes no exclusive lock of the module: the token's card runs one APDU at a time
// (CardService), different tokens' cards run concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "crypto/ec_key.h"
#include "crypto/hash.h"
#include "host/wsca/wsca_client.h"
#include "pkcs11/cryptoki.h"
#include "pkcs11/module_config.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::card {
class CardService;
}
namespace sesame::store {
class Store;
}
namespace sesame::host {
class InProcessReader;
}

namespace sesame::pkcs11 {

inline constexpr CK_SLOT_ID kFreeSlot = 0;

class Slot {
 public:
  Slot(CK_SLOT_ID slot_id, std::uint32_t unit_id, crypto::EcPrivateKey device, std::string token_label,
       host::wsca::WscaClient& card)
      : id(slot_id), unit(unit_id), device_key(std::move(device)), label(std::move(token_label)), client(&card) {}
  const CK_SLOT_ID id;
  const std::uint32_t unit;
  const crypto::EcPrivateKey device_key;
  const std::string label;
  host::wsca::WscaClient* const client;  // the token's card (owned by the Module)

  std::mutex auth_mutex;  // guards the login state below and serialises AUTHENTICATE
  bool user = false, so = false;
  SecureBytes pin, so_pin;  // kept while logged in (re-authentication after the key's window)

  std::shared_mutex keys_mutex;  // the key-information cache
  std::map<std::uint32_t, host::wsca::KeyInfo> keys;
  bool keys_loaded = false;
  std::atomic<int> sessions{0};
};

struct SignOp {
  CK_MECHANISM_TYPE mechanism = 0;
  std::uint32_t key_id = 0;
  host::wsca::KeyInfo info;
  std::optional<crypto::Hasher> hasher;  // CKM_ECDSA_SHA256/384
};

struct FindOp {
  std::vector<CK_OBJECT_HANDLE> handles;
  std::size_t pos = 0;
};

struct Session {
  CK_SLOT_ID slot = 0;
  CK_FLAGS flags = 0;
  std::mutex mutex;  // an application may (wrongly) use one session from two threads
  std::optional<SignOp> sign;
  std::optional<FindOp> find;
};

struct SecretObject {
  CK_SLOT_ID slot = 0;
  CK_KEY_TYPE key_type = CKK_GENERIC_SECRET;
  SecureBytes value;
  bool sensitive = false, extractable = true;
  Bytes label, id;
};

using Attributes = std::map<CK_ATTRIBUTE_TYPE, Bytes>;

class Module {
 public:
  explicit Module(const ModuleConfig& config);
  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  std::vector<CK_SLOT_ID> slot_ids();
  // CKR_SLOT_ID_INVALID for an unknown slot; nullptr for the free slot.
  std::shared_ptr<Slot> slot(CK_SLOT_ID id);
  std::shared_ptr<Slot> slot_of(const Session& s) { return slot(s.slot); }

  CK_SESSION_HANDLE open_session(CK_SLOT_ID slot, CK_FLAGS flags);
  void close_session(CK_SESSION_HANDLE h);
  void close_all_sessions(CK_SLOT_ID slot);
  std::shared_ptr<Session> session(CK_SESSION_HANDLE h);  // CKR_SESSION_HANDLE_INVALID
  bool any_rw_session(CK_SLOT_ID slot);

  // C_InitToken on the free slot: a new unit, its device key kept in <state>/pkcs11/.
  void init_token(CK_SLOT_ID slot, ByteView so_pin, std::string_view label);
  void login(Session& s, CK_USER_TYPE type, ByteView pin);
  void logout(Session& s);
  void init_pin(Session& s, ByteView pin);

  // Objects.
  std::vector<host::wsca::KeyInfo> keys(Slot& slot);
  std::optional<host::wsca::KeyInfo> key(Slot& slot, std::uint32_t key_id);
  Attributes attributes(Session& s, CK_OBJECT_HANDLE h);  // CKR_OBJECT_HANDLE_INVALID
  std::vector<CK_OBJECT_HANDLE> find(Session& s, const Attributes& match);
  void destroy(Session& s, CK_OBJECT_HANDLE h);
  std::pair<CK_OBJECT_HANDLE, CK_OBJECT_HANDLE> generate_key_pair(Session& s, const Attributes& pub,
                                                                  const Attributes& priv);
  CK_OBJECT_HANDLE derive(Session& s, CK_OBJECT_HANDLE base, ByteView public_data, const Attributes& tmpl);

  // Signing (the session's mutex is held by the caller).
  void sign_init(Session& s, CK_MECHANISM_TYPE mechanism, CK_OBJECT_HANDLE key);
  std::size_t signature_size(const Session& s) const;
  Bytes sign_final(Session& s, ByteView data_or_digest);

 private:
  bool logged_in(Slot& slot);
  Bytes card_sign(Slot& slot, const host::wsca::KeyInfo& info, ByteView digest);
  void load_units();
  // The WSCA applet on card `seid`, selected on the basic channel; the card and the applet
  // (without PIN delays, docs/WSCA.md) are created when missing.
  host::wsca::WscaClient& link(const std::string& seid);
  std::string token_seid(CK_SLOT_ID id) const { return config_.card + ".t" + std::to_string(id); }

  ModuleConfig config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<card::CardService> cards_;
  struct CardLink;
  std::mutex links_mutex_;
  std::map<std::string, std::unique_ptr<CardLink>> links_;
  std::mutex init_mutex_;  // C_InitToken: one new slot id at a time

  std::shared_mutex slots_mutex_;
  std::map<CK_SLOT_ID, std::shared_ptr<Slot>> slots_;

  std::shared_mutex sessions_mutex_;
  std::map<CK_SESSION_HANDLE, std::shared_ptr<Session>> sessions_;
  CK_SESSION_HANDLE next_session_ = 1;
  std::map<CK_OBJECT_HANDLE, std::shared_ptr<SecretObject>> secrets_;  // under sessions_mutex_
  CK_OBJECT_HANDLE next_secret_ = 1;
};

// Handle encoding of token objects.
CK_OBJECT_HANDLE key_handle(std::uint32_t slot, std::uint32_t key_id, bool private_key);
inline constexpr CK_OBJECT_HANDLE kSessionObjectBit = CK_OBJECT_HANDLE{1} << 63;

// Attribute value encodings.
Bytes attr_bool(bool v);
Bytes attr_ulong(CK_ULONG v);
std::optional<CK_ULONG> attr_to_ulong(const Bytes& v);
std::optional<bool> attr_to_bool(const Bytes& v);

}  // namespace sesame::pkcs11
