#include "host/keyring/holder_sdk.h"

#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "crypto/spake2plus.h"
#include "iso7816/keyring_protocol.h"
#include "util/hex.h"
#include "util/tlv.h"

namespace sesame::host::keyring {
namespace {

namespace kp = iso7816::keyring;
namespace etag = iso7816::keyring::envelope_tag;
namespace spake = crypto::spake2plus;

crypto::ScryptParams params_of(std::uint8_t log2_n) {
  crypto::ScryptParams p;
  p.n = std::uint64_t{1} << log2_n;
  return p;
}

spake::ProverSecret stretch(ByteView secret, ByteView salt, ByteView id, std::uint8_t log2_n, bool code) {
  const auto ctx = code ? kp::activation_context(id) : kp::pin_context(id);
  return spake::prover_secret_from_pbkdf_output(
      spake::stretch_password(secret, salt, ctx, params_of(log2_n)).view());
}

Bytes keyring_bytes(const std::string& id) {
  Bytes b;
  try {
    b = from_hex(id);
  } catch (const Error&) {
    throw Error(Errc::invalid_argument, "not a keyring id");
  }
  if (b.size() != kp::kKeyringIdSize) throw Error(Errc::invalid_argument, "not a keyring id");
  return b;
}

void check_pin(ByteView pin, std::uint8_t min_length) {
  if (pin.size() < min_length || pin.size() > 16)
    throw Error(Errc::invalid_argument, "the PIN must have " + std::to_string(min_length) + " to 16 digits");
  for (const auto c : pin)
    if (c < '0' || c > '9') throw Error(Errc::invalid_argument, "the PIN must be digits only");
}

}  // namespace

HolderSdk::HolderSdk(HolderTransport& transport, crypto::EcPublicKey ra_key)
    : transport_(transport), ra_key_(std::move(ra_key)) {}

ActivationPackage HolderSdk::inspect(const std::string& keyring_id) {
  const ActivationInfo info = transport_.activation_info(keyring_id);
  ActivationPackage p = verify_package(info.package, ra_key_);
  if (to_hex(p.keyring_id) != keyring_id)
    throw Error(Errc::crypto, "the activation package is for another keyring");
  if (info.activated) throw Error(Errc::state, "this keyring was already activated");
  return p;
}

TerminalKeyring HolderSdk::activate(const std::string& keyring_id, ByteView activation_code, ByteView pin) {
  const ActivationPackage pkg = inspect(keyring_id);
  check_pin(pin, pkg.policy.min_pin_length);
  const Bytes id = keyring_bytes(keyring_id);
  // The PIN's record and the device secrets are made before the code is tried: nothing depends on it.
  const Bytes pin_salt = crypto::random_bytes(kp::kSaltSize);
  const spake::ProverSecret pin_secret = stretch(pin, pin_salt, id, pkg.policy.scrypt_log2_n, false);
  const spake::VerifierRecord pin_record = spake::make_verifier_record(pin_secret);
  TerminalKeyring k{
      keyring_id, crypto::EcPrivateKey::generate(crypto::Curve::p256), crypto::random_secret(32), {}};
  const SecureBytes unlock = kp::unlock_secret(k.device_secret.view(), pin_secret.w1.view(), id);

  spake::Prover prover(kp::activation_context(id),
                       stretch(activation_code, pkg.salt, id, pkg.policy.scrypt_log2_n, true));
  const ExchangeReply reply = transport_.activate_start(keyring_id, prover.share());
  const auto res = prover.finish(reply.share_v, reply.confirm_v);  // Errc::crypto: wrong code

  Bytes plain;
  append_tlv(plain, etag::pin_w0, pin_record.w0.view());
  append_tlv(plain, etag::pin_l, pin_record.l);
  append_tlv(plain, etag::pin_salt, pin_salt);
  append_tlv(plain, etag::pin_length, Bytes{static_cast<std::uint8_t>(pin.size())});
  append_tlv(plain, etag::unlock, unlock.view());
  append_tlv(plain, etag::device_key, k.device_key.public_key().to_uncompressed_point());
  const SecureBytes secret_plain{ByteView(plain)};
  std::fill(plain.begin(), plain.end(), 0);
  const Bytes envelope =
      kp::seal_envelope(res.k_shared.view(), kp::Ins::activate_finish, id, {}, secret_plain.view());
  k.signing_public_key = transport_.activate_finish(keyring_id, res.confirm_p, envelope);
  return k;
}

std::vector<std::string> HolderSdk::pending(const TerminalKeyring& k) {
  return transport_.pending(k.keyring_id);
}

RequestView HolderSdk::show(const TerminalKeyring& k, const std::string& request_id) {
  return transport_.request(k.keyring_id, request_id);
}

ApprovalResult HolderSdk::approve(const TerminalKeyring& k, const RequestView& shown, ByteView pin) {
  const Bytes id = keyring_bytes(k.keyring_id);
  const Bytes req(shown.request_id.begin(), shown.request_id.end());
  const Bytes dh = crypto::sha256(as_bytes(shown.description));
  const spake::ProverSecret pin_secret = stretch(pin, shown.pin_salt, id, shown.scrypt_log2_n, false);
  spake::Prover prover(kp::approval_context(id, req, shown.hash, dh), pin_secret);
  const ExchangeReply reply = transport_.approve_start(k.keyring_id, shown.request_id, prover.share());
  const auto res = prover.finish(reply.share_v, reply.confirm_v);  // Errc::crypto: wrong PIN (counted)
  const SecureBytes unlock = kp::unlock_secret(k.device_secret.view(), pin_secret.w1.view(), id);
  const Bytes dsig = crypto::ecdsa_sign(k.device_key, crypto::SignatureHash::sha256,
                                        kp::device_approval_input(id, req, shown.hash, dh, res.confirm_p),
                                        crypto::EcdsaFormat::raw);
  Bytes plain;
  append_tlv(plain, etag::unlock, unlock.view());
  append_tlv(plain, etag::device_signature, dsig);
  const SecureBytes secret_plain{ByteView(plain)};
  std::fill(plain.begin(), plain.end(), 0);
  const Bytes envelope =
      kp::seal_envelope(res.k_shared.view(), kp::Ins::approve_finish, id, req, secret_plain.view());
  return transport_.approve_finish(k.keyring_id, shown.request_id, res.confirm_p, envelope);
}

void HolderSdk::reject(const TerminalKeyring& k, const std::string& request_id) {
  const Bytes sig = crypto::ecdsa_sign(k.device_key, crypto::SignatureHash::sha256,
                                       reject_input(k.keyring_id, request_id), crypto::EcdsaFormat::raw);
  transport_.reject(k.keyring_id, request_id, sig);
}

}  // namespace sesame::host::keyring
