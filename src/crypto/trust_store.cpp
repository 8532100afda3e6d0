#include "crypto/trust_store.h"

#include "crypto/internal/x509.h"
#include "util/error.h"

namespace sesame::crypto {

using internal::X509Access;

struct TrustStore::Impl {
  internal::X509StorePtr store;
  std::vector<Certificate> anchors;
};

TrustStore::TrustStore(std::span<const Certificate> anchors) {
  auto impl = std::make_shared<Impl>();
  impl->store.reset(X509_STORE_new());
  if (!impl->store) internal::fail_ossl(Errc::crypto, "trust store: X509_STORE_new");
  for (const auto& a : anchors) {
    if (X509_STORE_add_cert(impl->store.get(), X509Access::x509(a)) != 1)
      internal::fail_ossl(Errc::crypto, "trust store: cannot add anchor");
    impl->anchors.push_back(a);
  }
  impl_ = std::move(impl);
}

const std::vector<Certificate>& TrustStore::anchors() const noexcept { return impl_->anchors; }

std::vector<Certificate> TrustStore::verify(const Certificate& leaf, std::span<const Certificate> intermediates,
                                            const ChainOptions& options) const {
  // The stacks hold their own references and outlive the context that borrows them.
  internal::X509StackPtr untrusted(sk_X509_new_null());
  internal::X509CrlStackPtr crls(sk_X509_CRL_new_null());
  if (!untrusted || !crls) internal::fail_ossl(Errc::crypto, "trust store: out of memory");
  for (const auto& c : intermediates) {
    X509* x = X509Access::x509(c);
    if (!X509_up_ref(x)) internal::fail_ossl(Errc::crypto, "trust store: X509_up_ref");
    if (!sk_X509_push(untrusted.get(), x)) {
      X509_free(x);
      internal::fail_ossl(Errc::crypto, "trust store: out of memory");
    }
  }
  for (const auto& c : options.crls) {
    X509_CRL* x = X509Access::crl(c);
    if (!X509_CRL_up_ref(x)) internal::fail_ossl(Errc::crypto, "trust store: X509_CRL_up_ref");
    if (!sk_X509_CRL_push(crls.get(), x)) {
      X509_CRL_free(x);
      internal::fail_ossl(Errc::crypto, "trust store: out of memory");
    }
  }

  internal::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), impl_->store.get(), X509Access::x509(leaf), untrusted.get()) != 1)
    internal::fail_ossl(Errc::crypto, "trust store: cannot set up verification");
  X509_STORE_CTX_set0_crls(ctx.get(), crls.get());
  X509_STORE_CTX_set_time(ctx.get(), 0, std::chrono::system_clock::to_time_t(options.at.value_or(std::chrono::system_clock::now())));

  unsigned long flags = 0;
  switch (options.revocation) {
    case RevocationCheck::none: break;
    case RevocationCheck::leaf: flags |= X509_V_FLAG_CRL_CHECK; break;
    case RevocationCheck::all: flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL; break;
    default: fail(Errc::invalid_argument, "trust store: unknown revocation check");  // fail closed
  }
  if (flags && X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx.get()), flags) != 1)
    internal::fail_ossl(Errc::crypto, "trust store: cannot set flags");
  int purpose = 0;
  switch (options.purpose) {
    case CertPurpose::any: break;
    case CertPurpose::server_auth: purpose = X509_PURPOSE_SSL_SERVER; break;
    case CertPurpose::client_auth: purpose = X509_PURPOSE_SSL_CLIENT; break;
    default: fail(Errc::invalid_argument, "trust store: unknown certificate purpose");  // fail closed
  }
  if (purpose && X509_STORE_CTX_set_purpose(ctx.get(), purpose) != 1)
    internal::fail_ossl(Errc::crypto, "trust store: cannot set purpose");

  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    ERR_clear_error();
    fail(Errc::crypto, std::string("x509: certificate chain not valid: ") + X509_verify_cert_error_string(err) +
                           " (depth " + std::to_string(depth) + ")");
  }
  internal::X509StackPtr chain(X509_STORE_CTX_get1_chain(ctx.get()));
  if (!chain) internal::fail_ossl(Errc::crypto, "trust store: no chain");
  std::vector<Certificate> out;
  for (int i = 0; i < sk_X509_num(chain.get()); ++i) {
    X509* x = sk_X509_value(chain.get(), i);
    if (!X509_up_ref(x)) internal::fail_ossl(Errc::crypto, "trust store: X509_up_ref");
    out.push_back(X509Access::make_certificate(internal::X509Ptr(x)));
  }
  return out;
}

}  // namespace sesame::crypto
