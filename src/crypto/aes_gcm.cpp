#include "crypto/aes_gcm.h"

#include <openssl/evp.h>

#include <mutex>
#include <vector>

#include "crypto/internal/evp_fetch.h"
#include "util/error.h"

namespace sesame::crypto {
namespace {

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const EVP_CIPHER* gcm_for(std::size_t key_len) {
  switch (key_len) {
    case 16: return internal::fetched_cipher(internal::CipherId::aes_128_gcm);
    case 24: return internal::fetched_cipher(internal::CipherId::aes_192_gcm);
    case 32: return internal::fetched_cipher(internal::CipherId::aes_256_gcm);
    default: fail(Errc::invalid_argument, "aes-gcm: key must be 16, 24 or 32 bytes");
  }
}

void check(int ok, const char* what) {
  if (ok != 1) fail(Errc::crypto, std::string("aes-gcm: ") + what);
}

CtxPtr new_ctx() {
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) fail(Errc::crypto, "aes-gcm: out of memory");
  return ctx;
}

// A context that holds the key (key schedule set, no IV yet), ready for seal()/open().
CtxPtr keyed_ctx(ByteView key) {
  const EVP_CIPHER* cipher = gcm_for(key.size());
  CtxPtr ctx = new_ctx();
  check(EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key.data(), nullptr), "init");
  return ctx;
}

void check_iv(ByteView iv) {
  if (iv.size() != kGcmIvSize) fail(Errc::invalid_argument, "aes-gcm: IV must be 12 bytes");
}

// Encrypts with a keyed context; only the IV is set here, so the key schedule is reused.
void seal(EVP_CIPHER_CTX* ctx, ByteView iv, ByteView aad, ByteView plaintext, std::span<std::uint8_t> out) {
  if (out.size() != plaintext.size() + kGcmTagSize) fail(Errc::invalid_argument, "aes-gcm: output size");
  check(EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, iv.data()), "init");
  int len = 0;
  if (!aad.empty()) check(EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())), "aad");
  int n = 0;
  if (!plaintext.empty())
    check(EVP_EncryptUpdate(ctx, out.data(), &n, plaintext.data(), static_cast<int>(plaintext.size())), "update");
  check(EVP_EncryptFinal_ex(ctx, out.data() + n, &len), "final");
  check(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kGcmTagSize, out.data() + plaintext.size()), "tag");
}

// Decrypts with a keyed context (GCM uses the same key schedule in both directions). False when
// the tag does not verify; `out` is then cleared.
bool open(EVP_CIPHER_CTX* ctx, ByteView iv, ByteView aad, ByteView in, SecureBytes& out) {
  if (in.size() < kGcmTagSize) return false;
  const std::size_t ct_len = in.size() - kGcmTagSize;
  check(EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, iv.data()), "init");
  int len = 0;
  if (!aad.empty()) check(EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())), "aad");
  out = SecureBytes(ct_len);
  int n = 0;
  if (ct_len) check(EVP_DecryptUpdate(ctx, out.data(), &n, in.data(), static_cast<int>(ct_len)), "update");
  // OpenSSL takes the expected tag through a non-const pointer but only reads it.
  std::uint8_t tag[kGcmTagSize];
  std::copy(in.begin() + static_cast<std::ptrdiff_t>(ct_len), in.end(), tag);
  check(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag), "tag");
  if (EVP_DecryptFinal_ex(ctx, out.data() + n, &len) != 1) {
    out.clear();
    return false;
  }
  return true;
}

[[noreturn]] void refuse() { fail(Errc::crypto, "aes-gcm: authentication failed"); }

}  // namespace

Bytes aes_gcm_encrypt(ByteView key, ByteView iv, ByteView aad, ByteView plaintext) {
  check_iv(iv);
  CtxPtr ctx = keyed_ctx(key);
  Bytes out(plaintext.size() + kGcmTagSize);
  seal(ctx.get(), iv, aad, plaintext, out);
  return out;
}

SecureBytes aes_gcm_decrypt(ByteView key, ByteView iv, ByteView aad, ByteView in) {
  check_iv(iv);
  CtxPtr ctx = keyed_ctx(key);
  SecureBytes out;
  if (!open(ctx.get(), iv, aad, in, out)) refuse();
  return out;
}

// The prepared context is never used itself, only cloned (EVP_CIPHER_CTX_copy copies the key
// schedule and GHASH tables, far cheaper than expanding the key again). Clones are kept in a pool
// and reused; the pool's lock is per key and held only to take or return a context, never while
// encrypting, so two threads using one key run in parallel, each on its own context.
struct AesGcmKey::Impl {
  CtxPtr prepared;
  std::mutex mu;
  std::vector<CtxPtr> idle;
  static constexpr std::size_t kMaxIdle = 8;

  CtxPtr take() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        CtxPtr c = std::move(idle.back());
        idle.pop_back();
        return c;
      }
    }
    CtxPtr c = new_ctx();
    check(EVP_CIPHER_CTX_copy(c.get(), prepared.get()), "copy");
    return c;
  }
  void give_back(CtxPtr c) {
    std::lock_guard lock(mu);
    if (idle.size() < kMaxIdle) idle.push_back(std::move(c));
  }

  // A context borrowed for one call. It goes back only after a call that completed: a context
  // left half-way by an exception or a refused tag is freed instead.
  class Borrowed {
   public:
    explicit Borrowed(Impl& k) : k_(k), ctx_(k.take()) {}
    EVP_CIPHER_CTX* get() const { return ctx_.get(); }
    void done() { k_.give_back(std::move(ctx_)); }

   private:
    Impl& k_;
    CtxPtr ctx_;
  };
};

AesGcmKey::AesGcmKey(ByteView key) : impl_(std::make_unique<Impl>()) { impl_->prepared = keyed_ctx(key); }
AesGcmKey::~AesGcmKey() = default;
AesGcmKey::AesGcmKey(AesGcmKey&&) noexcept = default;
AesGcmKey& AesGcmKey::operator=(AesGcmKey&&) noexcept = default;

void AesGcmKey::encrypt_into(ByteView iv, ByteView aad, ByteView plaintext, std::span<std::uint8_t> out) const {
  check_iv(iv);
  Impl::Borrowed ctx(*impl_);
  seal(ctx.get(), iv, aad, plaintext, out);
  ctx.done();
}

Bytes AesGcmKey::encrypt(ByteView iv, ByteView aad, ByteView plaintext) const {
  Bytes out(plaintext.size() + kGcmTagSize);
  encrypt_into(iv, aad, plaintext, out);
  return out;
}

std::optional<SecureBytes> AesGcmKey::try_decrypt(ByteView iv, ByteView aad, ByteView in) const {
  check_iv(iv);
  if (in.size() < kGcmTagSize) return std::nullopt;
  Impl::Borrowed ctx(*impl_);
  SecureBytes out;
  if (!open(ctx.get(), iv, aad, in, out)) return std::nullopt;
  ctx.done();
  return out;
}

SecureBytes AesGcmKey::decrypt(ByteView iv, ByteView aad, ByteView in) const {
  auto out = try_decrypt(iv, aad, in);
  if (!out) refuse();
  return std::move(*out);
}

}  // namespace sesame::crypto
