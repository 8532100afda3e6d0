#include "crypto/tls_context.h"

#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>

#include "crypto/internal/x509.h"
#include "util/error.h"
#include "util/secure_buffer.h"

namespace sesame::crypto {
namespace {

using internal::fail_ossl;

constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* tls13_suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* groups = "X25519:P-256:P-384";

void ssl_ctx_free(SSL_CTX* c) { SSL_CTX_free(c); }
using SslCtxPtr = internal::OsslPtr<SSL_CTX, ssl_ctx_free>;

// What the client-side verification callback needs, owned by the SSL_CTX itself (ex_data with a
// free function) so that an SSL_CTX reference held by Asio outlives any TlsContext safely.
struct ClientPolicy {
  bool verify_chain = true;
  std::optional<Bytes> pin;
};

void free_policy(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<ClientPolicy*>(ptr); }

int policy_index() {
  static const int idx = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, free_policy);
  if (idx < 0) fail_ossl(Errc::crypto, "tls: no ex_data index");
  return idx;
}

const ClientPolicy* policy_of(const SSL_CTX* ctx) {
  return static_cast<const ClientPolicy*>(SSL_CTX_get_ex_data(ctx, policy_index()));
}

// Replaces OpenSSL's chain verification on the client: chain check against the trusted CAs (when
// configured), then the SHA-256 pin of the leaf (when configured).
int client_verify(X509_STORE_CTX* store_ctx, void*) {
  SSL* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store_ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  const ClientPolicy* policy = ssl != nullptr ? policy_of(SSL_get_SSL_CTX(ssl)) : nullptr;
  if (policy == nullptr) {
    X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  if (policy->verify_chain && X509_verify_cert(store_ctx) != 1) return 0;
  if (policy->pin) {
    X509* leaf = X509_STORE_CTX_get0_cert(store_ctx);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (leaf == nullptr || X509_digest(leaf, EVP_sha256(), md, &md_len) != 1 ||
        !secure_equal(ByteView(md, md_len), *policy->pin)) {
      X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_APPLICATION_VERIFICATION);
      return 0;
    }
    X509_STORE_CTX_set_error(store_ctx, X509_V_OK);
  }
  return 1;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(Errc::io, "tls: cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) fail(Errc::io, "tls: cannot read " + path.string());
  return ss.str();
}

SslCtxPtr new_ctx(bool server) {
  SslCtxPtr ctx(SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()));
  if (!ctx) fail_ossl(Errc::crypto, "tls: SSL_CTX_new");
  SSL_CTX* c = ctx.get();
  if (SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) != 1 || SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION) != 1)
    fail_ossl(Errc::crypto, "tls: protocol versions");
  if (SSL_CTX_set_cipher_list(c, tls12_ciphers) != 1) fail_ossl(Errc::crypto, "tls: TLS 1.2 cipher list");
  if (SSL_CTX_set_ciphersuites(c, tls13_suites) != 1) fail_ossl(Errc::crypto, "tls: TLS 1.3 cipher suites");
  if (SSL_CTX_set1_groups_list(c, groups) != 1) fail_ossl(Errc::crypto, "tls: groups");
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                             SSL_OP_NO_TICKET);
  // Idle sessions keep no read/write buffers: thousands of idle RACS sessions stay cheap.
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
  return ctx;
}

void use_identity(SSL_CTX* c, const TlsIdentity& id) {
  if (public_key_to_spki_der(public_key_of(id.key)) != public_key_to_spki_der(id.certificate.public_key()))
    fail(Errc::invalid_argument, "tls: the private key does not belong to the certificate");
  if (SSL_CTX_use_certificate(c, internal::X509Access::x509(id.certificate)) != 1)
    fail_ossl(Errc::crypto, "tls: certificate refused");
  for (const Certificate& inter : id.chain)
    if (SSL_CTX_add1_chain_cert(c, internal::X509Access::x509(inter)) != 1)
      fail_ossl(Errc::crypto, "tls: chain certificate refused");
  if (SSL_CTX_use_PrivateKey(c, internal::evp_pkey_of(id.key)) != 1) fail_ossl(Errc::crypto, "tls: key refused");
  if (SSL_CTX_check_private_key(c) != 1) {
    ERR_clear_error();
    fail(Errc::invalid_argument, "tls: the private key does not belong to the certificate");
  }
}

void add_anchors(SSL_CTX* c, const std::vector<Certificate>& cas, bool advertise) {
  X509_STORE* store = SSL_CTX_get_cert_store(c);
  for (const Certificate& ca : cas) {
    if (X509_STORE_add_cert(store, internal::X509Access::x509(ca)) != 1) fail_ossl(Errc::crypto, "tls: CA refused");
    // The server names its client CAs in CertificateRequest so clients pick the right certificate.
    if (advertise && SSL_CTX_add_client_CA(c, internal::X509Access::x509(ca)) != 1)
      fail_ossl(Errc::crypto, "tls: client CA name");
  }
}

SSL* as_ssl(void* ssl) {
  if (ssl == nullptr) fail(Errc::invalid_argument, "tls: no SSL handle");
  return static_cast<SSL*>(ssl);
}

}  // namespace

struct TlsContext::Impl {
  SslCtxPtr ctx;
  bool server = false;
};

TlsIdentity TlsIdentity::from_pem_files(const std::filesystem::path& cert_pem, const std::filesystem::path& key_pem) {
  std::vector<Certificate> certs = Certificate::all_from_pem(read_file(cert_pem));
  std::string key_text = read_file(key_pem);
  SecureBytes key_bytes(as_bytes(key_text));
  secure_zero(key_text.data(), key_text.size());
  PrivateKey key = private_key_from_pem(key_bytes);
  TlsIdentity id{certs.front(), std::vector<Certificate>(certs.begin() + 1, certs.end()), std::move(key)};
  // Catch a mismatched pair at load time, with the file names, rather than at the first handshake.
  if (public_key_to_spki_der(public_key_of(id.key)) != public_key_to_spki_der(id.certificate.public_key()))
    fail(Errc::crypto, "tls: " + key_pem.string() + " is not the key of " + cert_pem.string());
  return id;
}

std::vector<Certificate> load_certificate_bundle(const std::filesystem::path& pem_file) {
  return Certificate::all_from_pem(read_file(pem_file));
}

TlsContext TlsContext::make_server(const TlsServerConfig& config) {
  if (config.client_cas.empty()) fail(Errc::invalid_argument, "tls: a server needs at least one client CA");
  if (config.verify_depth < 0 || config.verify_depth > 16) fail(Errc::invalid_argument, "tls: verify depth 0..16");
  auto impl = std::make_shared<Impl>();
  impl->server = true;
  impl->ctx = new_ctx(true);
  SSL_CTX* c = impl->ctx.get();
  use_identity(c, config.identity);
  add_anchors(c, config.client_cas, true);
  SSL_CTX_set_verify(c,
                     SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE |
                         (config.client_certificate_required ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                     nullptr);
  SSL_CTX_set_verify_depth(c, config.verify_depth);
  if (SSL_CTX_set_purpose(c, X509_PURPOSE_SSL_CLIENT) != 1) fail_ossl(Errc::crypto, "tls: purpose");
  static const unsigned char sid_ctx[] = "sesame";
  if (SSL_CTX_set_session_id_context(c, sid_ctx, sizeof sid_ctx - 1) != 1) fail_ossl(Errc::crypto, "tls: sid ctx");
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(c, 0);
  return TlsContext(std::move(impl));
}

TlsContext TlsContext::make_client(const TlsClientConfig& config) {
  if (config.pinned_sha256 && config.pinned_sha256->size() != 32)
    fail(Errc::invalid_argument, "tls: a SHA-256 pin is 32 bytes");
  if (config.trusted_cas.empty() && !config.pinned_sha256)
    fail(Errc::invalid_argument, "tls: a client needs a CA or a pinned server certificate");
  if (config.verify_depth < 0 || config.verify_depth > 16) fail(Errc::invalid_argument, "tls: verify depth 0..16");
  auto impl = std::make_shared<Impl>();
  impl->ctx = new_ctx(false);
  SSL_CTX* c = impl->ctx.get();
  if (config.identity) use_identity(c, *config.identity);
  add_anchors(c, config.trusted_cas, false);
  auto policy = std::make_unique<ClientPolicy>();
  policy->verify_chain = !config.trusted_cas.empty();
  policy->pin = config.pinned_sha256;
  if (SSL_CTX_set_ex_data(c, policy_index(), policy.get()) != 1) fail_ossl(Errc::crypto, "tls: ex_data");
  policy.release();  // owned by the SSL_CTX now (free_policy)
  SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_verify_depth(c, config.verify_depth);
  SSL_CTX_set_cert_verify_callback(c, client_verify, nullptr);
  if (SSL_CTX_set_purpose(c, X509_PURPOSE_SSL_SERVER) != 1) fail_ossl(Errc::crypto, "tls: purpose");
  return TlsContext(std::move(impl));
}

bool TlsContext::is_server() const noexcept { return impl_->server; }

void* TlsContext::native_handle() const noexcept { return impl_->ctx.get(); }

void* TlsContext::new_reference() const {
  if (SSL_CTX_up_ref(impl_->ctx.get()) != 1) fail_ossl(Errc::crypto, "tls: SSL_CTX_up_ref");
  return impl_->ctx.get();
}

void tls_release_reference(void* ssl_ctx) noexcept { SSL_CTX_free(static_cast<SSL_CTX*>(ssl_ctx)); }

void tls_set_peer_host(void* ssl_handle, const std::string& host) {
  SSL* ssl = as_ssl(ssl_handle);
  unsigned char ip[16];
  const bool is_ip = inet_pton(AF_INET, host.c_str(), ip) == 1 || inet_pton(AF_INET6, host.c_str(), ip) == 1;
  if (!is_ip && !host.empty() && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1)
    fail_ossl(Errc::crypto, "tls: SNI");
  const ClientPolicy* policy = policy_of(SSL_get_SSL_CTX(ssl));
  if (policy == nullptr || !policy->verify_chain) return;  // the pin alone authenticates the server
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  const int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) : SSL_set1_host(ssl, host.c_str());
  if (ok != 1) fail_ossl(Errc::crypto, "tls: peer host name");
}

std::optional<Certificate> peer_certificate(void* ssl_handle) {
  internal::X509Ptr x(SSL_get1_peer_certificate(as_ssl(ssl_handle)));
  if (!x) return std::nullopt;
  return internal::X509Access::make_certificate(std::move(x));
}

std::string tls_session_summary(void* ssl_handle) {
  SSL* ssl = as_ssl(ssl_handle);
  const char* cipher = SSL_get_cipher_name(ssl);
  return std::string(SSL_get_version(ssl)) + " " + (cipher ? cipher : "none");
}

std::string tls_verify_error(void* ssl_handle) {
  const long r = SSL_get_verify_result(as_ssl(ssl_handle));
  if (r == X509_V_OK) return {};
  return X509_verify_cert_error_string(r);
}

}  // namespace sesame::crypto
