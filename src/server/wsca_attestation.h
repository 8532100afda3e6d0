// The wallet provider's attestations for keys held by hosted WSCA applets (docs/WSCA.md, "Key
// attestation"): key attestation JWTs as OpenID4VCI 1.0 Appendix D (typ "key-attestation+jwt"),
// signed by the WSCA attestation key, whose certificate chain to the wallet provider's CA travels
// in x5c; and the token status list (draft-ietf-oauth-status-list, typ "statuslist+jwt") that
// revokes them, one list per card, index = unit id (unit ids are never reused).
//
// The applet asserts which keys it holds (GET KEY INFO / LIST KEYS under the unit, answered by the
// applet, flags "generated in the WSCA" and "never extractable"); this code only signs what the
// applet said. The attestation key is sesamed's (the wallet provider operates the hosted WSCA),
// under <pki>/wsca-attestation.{pem,key}.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "crypto/ec_key.h"
#include "crypto/x509.h"
#include "util/bytes.h"

namespace sesame::server {

// {"kty":"EC","crv":...,"x":...,"y":...} (RFC 7518 §6.2); Error(Errc::invalid_argument) for a curve
// JOSE has no name for. brainpoolP256r1 is named "brainpoolP256r1" (not IANA-registered).
nlohmann::json ec_jwk(const crypto::EcPublicKey& key);
// The inverse, for P-256/P-384/brainpoolP256r1 JWKs; Error(Errc::parse) for anything else.
crypto::EcPublicKey ec_key_from_jwk(const nlohmann::json& jwk);

// RFC 1950 zlib stream with stored (uncompressed) DEFLATE blocks (RFC 1951 §3.2.4): valid input for
// every inflater, which is all the status list needs (its lists are small).
Bytes zlib_stored(ByteView data);

struct StatusReference {
  std::uint32_t idx = 0;
  std::string uri;
};

class WscaAttester {
 public:
  static constexpr std::chrono::seconds kLifetime{30 * 24 * 3600};  // exp - iat of a key attestation

  // <pki_dir>/wsca-attestation.pem (the leaf first, then any intermediates) and .key; when missing,
  // a P-256 key and a certificate issued by the development CA (<pki_dir>/ca.pem, ca.key).
  static WscaAttester load_or_issue(const std::filesystem::path& pki_dir);
  WscaAttester(crypto::EcPrivateKey key, std::vector<crypto::Certificate> chain);

  // The key attestation JWT (OpenID4VCI 1.0 Appendix D.1).
  std::string key_attestation(const std::vector<nlohmann::json>& attested_keys,
                              const std::optional<std::string>& nonce, const StatusReference& status,
                              std::chrono::system_clock::time_point now) const;
  // The wallet instance attestation (draft-ietf-oauth-attestation-based-client-auth, Client
  // Attestation JWT, typ "oauth-client-attestation+jwt"): iss = the wallet provider, sub = the
  // wallet's client_id, cnf.jwk = the instance key (the unit's device key, which the applet holds
  // as registered), exp = iat + 24 h, status as for key attestations.
  std::string wallet_attestation(const std::string& iss, const std::string& client_id,
                                 const nlohmann::json& cnf_jwk, const StatusReference& status,
                                 std::chrono::system_clock::time_point now) const;
  // The cryptographic binding of keys (docs/WSCA.md, "Key binding"): typ "wsca-key-binding+jwt",
  // x5c as above; claims iat, exp (iat + 10 min), nonce, transcript (base64url of what every key
  // signed in the applet), keys = [{jwk, proof: base64url raw r||s over the transcript}], status.
  std::string key_binding(const std::string& nonce, ByteView transcript, const std::vector<nlohmann::json>& keys,
                          const StatusReference& status, std::chrono::system_clock::time_point now) const;
  // A status list token: bits = 1, lst = base64url(zlib(bits)), sub = uri.
  std::string status_list_token(const std::string& uri, ByteView bits,
                                std::chrono::system_clock::time_point now) const;

  // A key attestation this attester issued, verified: the signature under its key, typ
  // "key-attestation+jwt" or the older spelling "keyattestation+jwt", exp not passed. Returns the
  // claims. Error(Errc::parse / Errc::crypto / Errc::state) otherwise.
  nlohmann::json verify_key_attestation(std::string_view jwt,
                                        std::chrono::system_clock::time_point now) const;

  const std::vector<crypto::Certificate>& chain() const { return chain_; }

 private:
  std::string sign(const nlohmann::json& header, const nlohmann::json& payload) const;
  crypto::EcPrivateKey key_;
  std::vector<crypto::Certificate> chain_;
};

// The revocation bits of each card's status list, persisted in <dir>/<SEID>.status (raw bytes,
// bit idx = byte idx/8, bit idx%8 counted from the least significant). Thread-safe.
class WscaStatusList {
 public:
  static constexpr std::size_t kMinBytes = 1024;  // 8192 entries: a list says little about one unit

  explicit WscaStatusList(std::filesystem::path dir);
  void revoke(const std::string& seid, std::uint32_t idx);
  bool revoked(const std::string& seid, std::uint32_t idx);
  Bytes bits(const std::string& seid);  // at least kMinBytes, whole multiples of kMinBytes

 private:
  Bytes& load(const std::string& seid);  // mutex_ held
  std::filesystem::path dir_;
  std::mutex mutex_;
  std::map<std::string, Bytes> lists_;
};

}  // namespace sesame::server
