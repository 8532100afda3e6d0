#include "audit/audit_entry.h"

#include <algorithm>

#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "util/byte_reader.h"
#include "util/error.h"

namespace sesame::audit {
namespace {

constexpr std::string_view kMagic = "SAL1";
constexpr std::string_view kHashDomain("sesame audit v1\0", 16);

bool printable(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

void put_u64(Bytes& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put_text(Bytes& out, std::string_view s) {
  out.push_back(static_cast<std::uint8_t>(s.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

std::string get_text(ByteReader& r, std::size_t max, const char* what) {
  const std::size_t n = r.u16();
  if (n > max) fail(Errc::parse, std::string("audit entry: ") + what + " too long");
  const ByteView b = r.bytes(n);
  std::string s(b.begin(), b.end());
  if (!printable(s)) fail(Errc::parse, std::string("audit entry: ") + what + " holds control characters");
  return s;
}

void check_field(std::string_view s, std::size_t max, bool required, const char* what) {
  if ((required && s.empty()) || s.size() > max || !printable(s))
    fail(Errc::invalid_argument, std::string("audit: ") + what + " must be " + (required ? "1" : "0") + ".." +
                                     std::to_string(max) + " printable characters");
}

}  // namespace

std::string_view decision_name(Decision d) noexcept {
  switch (d) {
    case Decision::allowed: return "allowed";
    case Decision::denied: return "denied";
    case Decision::failed: return "failed";
  }
  return "unknown";
}

void check_record(const Record& r) {
  check_field(r.actor, kMaxActor, true, "actor");
  check_field(r.action, kMaxAction, true, "action");
  check_field(r.object, kMaxObject, false, "object");
  check_field(r.detail, kMaxDetail, false, "detail");
  switch (r.decision) {
    case Decision::allowed:
    case Decision::denied:
    case Decision::failed: return;
  }
  fail(Errc::invalid_argument, "audit: unknown decision");
}

Bytes encode_body(const Entry& e) {
  if (e.prev_hash.size() != kHashSize || e.key_id.size() != kHashSize)
    fail(Errc::invalid_argument, "audit: prev_hash and key_id must be 32 bytes");
  Bytes out(kMagic.begin(), kMagic.end());
  put_u64(out, e.seq);
  put_u64(out, static_cast<std::uint64_t>(e.time_ms));
  out.push_back(static_cast<std::uint8_t>(e.record.decision));
  out.insert(out.end(), e.prev_hash.begin(), e.prev_hash.end());
  out.insert(out.end(), e.key_id.begin(), e.key_id.end());
  put_text(out, e.record.actor);
  put_text(out, e.record.action);
  put_text(out, e.record.object);
  put_text(out, e.record.detail);
  return out;
}

Bytes encode_entry(const Entry& e) {
  if (e.signature.size() != kSignatureSize) fail(Errc::invalid_argument, "audit: entry is not signed");
  Bytes out = encode_body(e);
  out.insert(out.end(), e.signature.begin(), e.signature.end());
  return out;
}

Entry decode_entry(ByteView b) {
  ByteReader r(b, "audit entry");
  const ByteView magic = r.bytes(kMagic.size());
  if (!std::equal(magic.begin(), magic.end(), kMagic.begin()))
    fail(Errc::parse, "audit entry: bad magic/version");
  Entry e;
  e.seq = r.u64();
  e.time_ms = static_cast<std::int64_t>(r.u64());
  const std::uint8_t d = r.u8();
  if (d < 1 || d > 3) fail(Errc::parse, "audit entry: unknown decision " + std::to_string(d));
  e.record.decision = static_cast<Decision>(d);
  const ByteView prev = r.bytes(kHashSize);
  e.prev_hash.assign(prev.begin(), prev.end());
  const ByteView kid = r.bytes(kHashSize);
  e.key_id.assign(kid.begin(), kid.end());
  e.record.actor = get_text(r, kMaxActor, "actor");
  e.record.action = get_text(r, kMaxAction, "action");
  e.record.object = get_text(r, kMaxObject, "object");
  e.record.detail = get_text(r, kMaxDetail, "detail");
  const ByteView sig = r.bytes(kSignatureSize);
  e.signature.assign(sig.begin(), sig.end());
  if (!r.empty()) fail(Errc::parse, "audit entry: trailing bytes");
  return e;
}

Bytes entry_hash(const Entry& e) {
  crypto::Hasher h(crypto::HashAlg::sha256);
  h.update(ByteView(reinterpret_cast<const std::uint8_t*>(kHashDomain.data()), kHashDomain.size()));
  h.update(encode_body(e));
  return h.finish();
}

Bytes key_id_of(const crypto::EcPublicKey& key) {
  return crypto::sha256(key.to_spki_der());
}

Entry sign_entry(Entry e, const crypto::EcPrivateKey& key) {
  if (key.curve() != crypto::Curve::p256) fail(Errc::invalid_argument, "audit: the audit key must be P-256");
  e.key_id = key_id_of(key.public_key());
  e.signature = crypto::ecdsa_sign(key, crypto::HashAlg::sha256, encode_body(e), crypto::EcdsaFormat::raw);
  return e;
}

bool signature_valid(const Entry& e, const crypto::EcPublicKey& key) {
  if (e.signature.size() != kSignatureSize) return false;
  return crypto::ecdsa_verify(key, crypto::HashAlg::sha256, encode_body(e), e.signature,
                              crypto::EcdsaFormat::raw);
}

}  // namespace sesame::audit
