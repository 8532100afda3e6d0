#include "server/wsca_attestation.h"

#include "crypto/any_key.h"
#include "crypto/certificate_builder.h"
#include "crypto/jws.h"
#include "server/file_io.h"
#include "util/base64.h"
#include "util/error.h"
#include "util/seid.h"

namespace sesame::server {
namespace {

std::int64_t epoch_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string_view jwk_curve_name(crypto::Curve c) {
  switch (c) {
    case crypto::Curve::p256: return "P-256";
    case crypto::Curve::p384: return "P-384";
    case crypto::Curve::brainpool_p256r1: return "brainpoolP256r1";
    default: fail(Errc::invalid_argument, "no JWK name for this curve");
  }
}

}  // namespace

nlohmann::json ec_jwk(const crypto::EcPublicKey& key) {
  return nlohmann::json{{"kty", "EC"},
                        {"crv", std::string(jwk_curve_name(key.curve()))},
                        {"x", base64url_encode(key.jwk_x())},
                        {"y", base64url_encode(key.jwk_y())}};
}

crypto::EcPublicKey ec_key_from_jwk(const nlohmann::json& jwk) {
  if (!jwk.is_object() || jwk.value("kty", "") != "EC" || !jwk.contains("crv") || !jwk["crv"].is_string() ||
      !jwk.contains("x") || !jwk["x"].is_string() || !jwk.contains("y") || !jwk["y"].is_string())
    fail(Errc::parse, "not an EC JWK (kty, crv, x, y)");
  if (jwk.contains("d")) fail(Errc::parse, "a private JWK ('d') is refused");
  const std::string crv = jwk["crv"];
  crypto::Curve c;
  if (crv == "P-256")
    c = crypto::Curve::p256;
  else if (crv == "P-384")
    c = crypto::Curve::p384;
  else if (crv == "brainpoolP256r1")
    c = crypto::Curve::brainpool_p256r1;
  else
    fail(Errc::parse, "unsupported JWK curve");
  const Bytes x = base64url_decode(jwk["x"].get<std::string>());
  const Bytes y = base64url_decode(jwk["y"].get<std::string>());
  return crypto::EcPublicKey::from_jwk_coordinates(c, x, y);
}

Bytes zlib_stored(ByteView data) {
  Bytes out{0x78, 0x01};  // CM 8 (deflate), CINFO 7 (32K window), no dictionary; 0x7801 % 31 == 0
  std::size_t pos = 0;
  do {
    const std::size_t n = std::min<std::size_t>(data.size() - pos, 65535);
    const bool last = pos + n == data.size();
    out.push_back(last ? 0x01 : 0x00);  // BFINAL, BTYPE 00 (stored)
    out.push_back(static_cast<std::uint8_t>(n));
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(~n));
    out.push_back(static_cast<std::uint8_t>(~n >> 8));
    out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(pos),
               data.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
  } while (pos < data.size());
  std::uint32_t a = 1, b = 0;  // Adler-32 (RFC 1950 §8.2)
  for (std::uint8_t byte : data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  put_u32(out, (b << 16) | a);
  return out;
}

WscaAttester WscaAttester::load_or_issue(const std::filesystem::path& pki_dir) {
  const auto cert_path = pki_dir / "wsca-attestation.pem";
  const auto key_path = pki_dir / "wsca-attestation.key";
  if (!std::filesystem::exists(cert_path) || !std::filesystem::exists(key_path)) {
    const auto ca = crypto::Certificate::from_pem(read_text_file(pki_dir / "ca.pem"));
    const crypto::PrivateKey ca_key = crypto::private_key_from_pem(read_secret_file(pki_dir / "ca.key"));
    const crypto::PrivateKey key = crypto::EcPrivateKey::generate(crypto::Curve::p256);
    const auto now = std::chrono::system_clock::now();
    const crypto::Certificate cert =
        crypto::CertificateBuilder()
            .organization("sesame")
            .common_name("sesame WSCA key attestation")
            .validity(now - std::chrono::hours(1), now + std::chrono::hours(24 * 825))
            .key_usage(crypto::KeyUsage::digital_signature)
            .public_key(crypto::public_key_of(key))
            .sign(ca, ca_key);
    write_file_atomic(key_path, crypto::private_key_to_pem(key).view(), 0600);  // key first
    const std::string pem = cert.pem();
    write_file_atomic(cert_path, as_bytes(pem), 0644);
  }
  crypto::PrivateKey key = crypto::private_key_from_pem(read_secret_file(key_path));
  auto* ec = std::get_if<crypto::EcPrivateKey>(&key);
  if (!ec) fail(Errc::invalid_argument, "wsca-attestation.key: not an EC key");
  return WscaAttester(*ec, crypto::Certificate::all_from_pem(read_text_file(cert_path)));
}

WscaAttester::WscaAttester(crypto::EcPrivateKey key, std::vector<crypto::Certificate> chain)
    : key_(std::move(key)), chain_(std::move(chain)) {
  crypto::jws_alg_for(key_.curve());  // P-256 or P-384 only
  if (chain_.empty()) fail(Errc::invalid_argument, "WSCA attestation: no certificate");
}

std::string WscaAttester::sign(const nlohmann::json& header, const nlohmann::json& payload) const {
  const std::string p = payload.dump();
  return crypto::jws_sign(header.dump(), as_bytes(p), key_);
}

std::string WscaAttester::key_attestation(const std::vector<nlohmann::json>& attested_keys,
                                          const std::optional<std::string>& nonce,
                                          const StatusReference& status,
                                          std::chrono::system_clock::time_point now) const {
  nlohmann::json x5c = nlohmann::json::array();
  for (const auto& c : chain_) x5c.push_back(base64_encode(c.der()));  // RFC 7515 §4.1.6: base64, not url
  const nlohmann::json header{{"alg", std::string(crypto::jws_alg_name(crypto::jws_alg_for(key_.curve())))},
                              {"typ", "key-attestation+jwt"},
                              {"x5c", x5c}};
  nlohmann::json payload{{"iat", epoch_seconds(now)},
                         {"exp", epoch_seconds(now + kLifetime)},
                         {"attested_keys", attested_keys},
                         {"key_storage", {"iso_18045_high"}},
                         {"user_authentication", {"iso_18045_high"}},
                         {"status", {{"status_list", {{"idx", status.idx}, {"uri", status.uri}}}}}};
  if (nonce) payload["nonce"] = *nonce;
  return sign(header, payload);
}

nlohmann::json WscaAttester::verify_key_attestation(std::string_view jwt,
                                                    std::chrono::system_clock::time_point now) const {
  const crypto::JwsVerified v = crypto::jws_verify(jwt, key_.public_key());
  const auto header = nlohmann::json::parse(v.header_json, nullptr, false);
  const auto claims = nlohmann::json::parse(v.payload.begin(), v.payload.end(), nullptr, false);
  if (!header.is_object() || !claims.is_object()) fail(Errc::parse, "key attestation: not JSON objects");
  const std::string typ = header.value("typ", "");
  if (typ != "key-attestation+jwt" && typ != "keyattestation+jwt")
    fail(Errc::parse, "not a key attestation (typ)");
  if (!claims.contains("exp") || !claims["exp"].is_number_integer() ||
      claims["exp"].get<std::int64_t>() <= epoch_seconds(now))
    fail(Errc::state, "key attestation expired");
  if (!claims.contains("attested_keys") || !claims["attested_keys"].is_array())
    fail(Errc::parse, "key attestation without attested_keys");
  return claims;
}

std::string WscaAttester::key_binding(const std::string& nonce, ByteView transcript,
                                      const std::vector<nlohmann::json>& keys, const StatusReference& status,
                                      std::chrono::system_clock::time_point now) const {
  nlohmann::json x5c = nlohmann::json::array();
  for (const auto& c : chain_) x5c.push_back(base64_encode(c.der()));
  const nlohmann::json header{{"alg", std::string(crypto::jws_alg_name(crypto::jws_alg_for(key_.curve())))},
                              {"typ", "wsca-key-binding+jwt"},
                              {"x5c", x5c}};
  const nlohmann::json payload{{"iat", epoch_seconds(now)},
                               {"exp", epoch_seconds(now + std::chrono::minutes(10))},
                               {"nonce", nonce},
                               {"transcript", base64url_encode(transcript)},
                               {"keys", keys},
                               {"status", {{"status_list", {{"idx", status.idx}, {"uri", status.uri}}}}}};
  return sign(header, payload);
}

std::string WscaAttester::wallet_attestation(const std::string& iss, const std::string& client_id,
                                             const nlohmann::json& cnf_jwk, const StatusReference& status,
                                             std::chrono::system_clock::time_point now) const {
  nlohmann::json x5c = nlohmann::json::array();
  for (const auto& c : chain_) x5c.push_back(base64_encode(c.der()));
  const nlohmann::json header{{"alg", std::string(crypto::jws_alg_name(crypto::jws_alg_for(key_.curve())))},
                              {"typ", "oauth-client-attestation+jwt"},
                              {"x5c", x5c}};
  const nlohmann::json payload{{"iss", iss},
                               {"sub", client_id},
                               {"iat", epoch_seconds(now)},
                               {"exp", epoch_seconds(now + std::chrono::hours(24))},
                               {"cnf", {{"jwk", cnf_jwk}}},
                               {"status", {{"status_list", {{"idx", status.idx}, {"uri", status.uri}}}}}};
  return sign(header, payload);
}

std::string WscaAttester::status_list_token(const std::string& uri, ByteView bits,
                                            std::chrono::system_clock::time_point now) const {
  nlohmann::json x5c = nlohmann::json::array();
  for (const auto& c : chain_) x5c.push_back(base64_encode(c.der()));
  const nlohmann::json header{{"alg", std::string(crypto::jws_alg_name(crypto::jws_alg_for(key_.curve())))},
                              {"typ", "statuslist+jwt"},
                              {"x5c", x5c}};
  const nlohmann::json payload{{"sub", uri},
                               {"iat", epoch_seconds(now)},
                               {"exp", epoch_seconds(now + std::chrono::hours(24))},
                               {"ttl", 300},
                               {"status_list", {{"bits", 1}, {"lst", base64url_encode(zlib_stored(bits))}}}};
  return sign(header, payload);
}

WscaStatusList::WscaStatusList(std::filesystem::path dir) : dir_(std::move(dir)) {}

Bytes& WscaStatusList::load(const std::string& seid) {
  if (!valid_seid(seid)) fail(Errc::invalid_argument, "not a SEID");  // it names a file
  auto it = lists_.find(seid);
  if (it != lists_.end()) return it->second;
  Bytes bits;
  const auto path = dir_ / (seid + ".status");
  if (std::filesystem::exists(path)) {
    const std::string s = read_text_file(path);
    bits.assign(s.begin(), s.end());
  }
  if (bits.size() < kMinBytes) bits.resize(kMinBytes, 0);
  return lists_.emplace(seid, std::move(bits)).first->second;
}

void WscaStatusList::revoke(const std::string& seid, std::uint32_t idx) {
  std::lock_guard lock(mutex_);
  Bytes& bits = load(seid);
  const std::size_t byte = idx / 8;
  if (byte >= bits.size()) bits.resize((byte / kMinBytes + 1) * kMinBytes, 0);
  if (bits[byte] & (1u << (idx % 8))) return;
  Bytes next = bits;
  next[byte] = static_cast<std::uint8_t>(next[byte] | (1u << (idx % 8)));
  ensure_private_dir(dir_);
  write_file_atomic(dir_ / (seid + ".status"), next, 0600);  // durable before anyone is told
  bits = std::move(next);
}

bool WscaStatusList::revoked(const std::string& seid, std::uint32_t idx) {
  std::lock_guard lock(mutex_);
  const Bytes& bits = load(seid);
  return idx / 8 < bits.size() && (bits[idx / 8] & (1u << (idx % 8)));
}

Bytes WscaStatusList::bits(const std::string& seid) {
  std::lock_guard lock(mutex_);
  return load(seid);
}

}  // namespace sesame::server
