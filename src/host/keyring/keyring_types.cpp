#include "host/keyring/keyring_types.h"

#include <algorithm>

#include "crypto/ecdsa.h"

namespace sesame::host::keyring {
namespace {

Error bad_package() {
  return Error(Errc::parse, "malformed keyring activation package");
}

}  // namespace

void validate(const KeyringPolicy& p) {
  const auto fail = [](const char* what) {
    throw Error(Errc::invalid_argument, std::string("keyring policy: ") + what);
  };
  if (p.kind != KeyringKind::authentication && p.kind != KeyringKind::signature) fail("unknown kind");
  const std::uint8_t floor = p.kind == KeyringKind::signature ? 6 : 4;
  if (p.min_pin_length < floor || p.min_pin_length > 16)
    fail("the PIN must be at least 4 digits (authentication) or 6 (signature), at most 16");
  if (p.try_limit < 1 || p.try_limit > 15) fail("try limit must be 1..15");
  if (p.request_lifetime_s < 10 || p.request_lifetime_s > 86400) fail("request lifetime must be 10 s..1 day");
  if (p.scrypt_log2_n < 10 || p.scrypt_log2_n > 20) fail("scrypt log2 N must be 10..20");
}

Bytes encode_package(const ActivationPackage& p) {
  if (p.keyring_id.size() != 16 || p.salt.size() != 16 || p.identity.size() > 1024)
    throw Error(Errc::invalid_argument, "keyring activation package: bad field size");
  Bytes b{'S', 'K', 'A', '1'};
  append(b, p.keyring_id);
  put_u16(b, static_cast<std::uint16_t>(p.identity.size()));
  append(b, as_bytes(p.identity));
  b.push_back(static_cast<std::uint8_t>(p.policy.kind));
  b.push_back(p.policy.min_pin_length);
  b.push_back(p.policy.try_limit);
  b.push_back(p.policy.biometric_allowed ? 1 : 0);
  b.push_back(p.policy.roaming_allowed ? 1 : 0);
  put_u32(b, p.policy.request_lifetime_s);
  b.push_back(p.policy.scrypt_log2_n);
  append(b, p.salt);
  put_u64(b, static_cast<std::uint64_t>(p.created_ms));
  return b;
}

ActivationPackage decode_package(ByteView b) {
  if (b.size() < 4 + 16 + 2 || !std::equal(b.begin(), b.begin() + 4, "SKA1")) throw bad_package();
  ActivationPackage p;
  p.keyring_id.assign(b.begin() + 4, b.begin() + 20);
  const std::size_t n = get_u16(b, 20);
  std::size_t o = 22;
  if (b.size() != o + n + 5 + 4 + 1 + 16 + 8) throw bad_package();
  p.identity.assign(b.begin() + o, b.begin() + o + n);
  o += n;
  p.policy.kind = static_cast<KeyringKind>(b[o++]);
  p.policy.min_pin_length = b[o++];
  p.policy.try_limit = b[o++];
  if (b[o] > 1 || b[o + 1] > 1) throw bad_package();
  p.policy.biometric_allowed = b[o++] == 1;
  p.policy.roaming_allowed = b[o++] == 1;
  p.policy.request_lifetime_s = get_u32(b, o);
  o += 4;
  p.policy.scrypt_log2_n = b[o++];
  p.salt.assign(b.begin() + o, b.begin() + o + 16);
  o += 16;
  std::uint64_t t = 0;
  for (int i = 0; i < 8; ++i) t = (t << 8) | b[o++];
  p.created_ms = static_cast<std::int64_t>(t);
  try {
    validate(p.policy);
  } catch (const Error&) {
    throw bad_package();
  }
  return p;
}

ActivationPackage verify_package(const SignedPackage& sp, const crypto::EcPublicKey& ra_key) {
  if (!crypto::ecdsa_verify(ra_key, crypto::SignatureHash::sha256, sp.package, sp.signature,
                            crypto::EcdsaFormat::raw))
    throw Error(Errc::crypto, "the activation package is not signed by the registration authority");
  return decode_package(sp.package);
}

Bytes reject_input(const std::string& keyring_id, const std::string& request_id) {
  Bytes b{'s', 'e', 's', 'a', 'm', 'e', ' ', 'k', 'e', 'y', 'r', 'i', 'n',
          'g', ' ', 'r', 'e', 'j', 'e', 'c', 't', ' ', 'v', '1', 0};
  append(b, as_bytes(keyring_id));
  b.push_back(0);
  append(b, as_bytes(request_id));
  return b;
}

}  // namespace sesame::host::keyring
