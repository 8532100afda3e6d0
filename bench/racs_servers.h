// The servers the RACS benchmarks talk to, in process: sesamed's real RACS listener serving demo
// cards on the memory store, and the floor it is measured against, a plain TLS server with the same
// framing that answers every request with a fixed response. Both use the same server TlsContext
// (the development PKI: ECDSA P-256, mandatory client certificate). The RACS listener runs as
// sesamed runs it: racs.io_threads event loops (default: one per hardware thread but one), each an
// io_context with its own thread, card work inline on each session's loop, sesamed's card pool of 2
// threads for ending sessions. The echo server has one I/O thread.
// Bench code only (bench/racs_load.h has the client side).
#pragma once

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <time.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "applets/builtin.h"
#include "applets/demo/demo_applet.h"
#include "card/applet_registry.h"
#include "card/card_service.h"
#include "crypto/tls_context.h"
#include "server/dev_pki.h"
#include "server/racs/access_policy.h"
#include "server/racs/racs_audit.h"
#include "server/racs/racs_config.h"
#include "server/io_loops.h"
#include "server/racs/racs_listener.h"
#include "store/memory_store.h"
#include "util/hex.h"

namespace sesame::bench::racs {

using asio::ip::tcp;

inline const std::string kDemoAidHex = "F0534553414D4501";
inline const std::string kSelectHex = "00A4040008F0534553414D450100";  // SELECT by AID, FCI
inline const std::string kReadHex = "00B0810000";                      // READ BINARY EF.INFO (SFI 1)
inline const std::string kCounterHex = "8010000004";                   // demo: increment the durable counter
inline constexpr const char* kUser = "admin";                         // the dev PKI's client CN

// "card-0000": every SEID the same length, so every request and response is the same size.
inline std::string seid_of(std::size_t i) {
  char b[32];
  std::snprintf(b, sizeof b, "card-%04zu", i);
  return b;
}

// One RACS request with one APDU, as a client would write it.
inline std::string apdu_request(const std::string& seid, const std::string& apdu_hex) {
  return "BEGIN\nAPDU " + seid + " " + apdu_hex + "\nEND\n";
}

// CPU seconds a thread has used (the thread must be running or joinable).
inline double thread_cpu_seconds(std::thread::native_handle_type t) {
  clockid_t id;
  timespec ts{};
  if (pthread_getcpuclockid(t, &id) != 0 || clock_gettime(id, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

inline double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Every client session is two descriptors when both ends live in this process.
inline void raise_fd_limit(rlim_t wanted) {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur >= wanted) return;
  r.rlim_cur = std::min(wanted, r.rlim_max);
  setrlimit(RLIMIT_NOFILE, &r);
  if (r.rlim_cur < wanted)
    std::fprintf(stderr, "racs bench: only %llu file descriptors allowed (want %llu)\n",
                 static_cast<unsigned long long>(r.rlim_cur), static_cast<unsigned long long>(wanted));
}

// The server and client TLS contexts of the development PKI (sesamed's ensure_dev_pki in `dir`).
struct Pki {
  crypto::TlsContext server, client;

  static Pki make(const std::filesystem::path& dir) {
    const server::DevPki p = server::ensure_dev_pki(dir);
    const auto ca = crypto::load_certificate_bundle(p.ca_cert);
    crypto::TlsServerConfig sc{crypto::TlsIdentity::from_pem_files(p.server_cert, p.server_key), ca, 4};
    crypto::TlsClientConfig cc{crypto::TlsIdentity::from_pem_files(p.admin_cert, p.admin_key), ca, std::nullopt, 4};
    return Pki{crypto::TlsContext::make_server(sc), crypto::TlsContext::make_client(cc)};
  }
};

// Audit lines are dropped (sesamed writes them to its log or a file; per READ BINARY there is none).
class NullAudit final : public server::racs::AuditLog {
 public:
  void write(const std::string&) override {}
};

// sesamed's RACS listener on 127.0.0.1, port chosen by the kernel, serving `cards` demo cards
// (card-0000...) on the memory store, or on `store` when given. The user "admin" may see every card.
class RacsServer {
 public:
  // `io_threads` 0: racs.io_threads' default, as sesamed runs it.
  RacsServer(std::size_t cards, const crypto::TlsContext& tls, std::size_t io_threads = 0,
             std::unique_ptr<store::Store> store = nullptr)
      : store_(store ? std::move(store) : store::open_memory_store(SecureBytes(ByteView(Bytes(32, 0x5A))))),
        service_(*store_, registry_),
        loops_(thread_count(io_threads)) {
    for (std::size_t i = 0; i < cards; ++i) {
      service_.create_card({seid_of(i), "bench"});
      service_.install_applet(seid_of(i), applets::demo::kModuleName, from_hex(kDemoAidHex), {});
    }
    policy_.allow_all_seids(kUser);
    server::racs::RacsConfig config;
    config.enabled = true;
    config.port = 0;
    config.idle_timeout = std::chrono::seconds(3600);  // benchmark groups leave sessions idle for a while
    config.io_threads = io_threads;
    listener_ = std::make_unique<server::racs::RacsListener>(loops_, pool_, service_, config, tls, policy_source_, audit_,
                                                             "127.0.0.1");
    listener_->start();
    loops_.run_threads();
    handles_ = loops_.native_handles();
  }
  ~RacsServer() {
    // As sesamed stops: end every session, let card work finish, then what it posted back.
    listener_->stop();
    loops_.release();
    loops_.join_threads();
    pool_.join();
    loops_.drain();
    listener_.reset();
  }
  RacsServer(const RacsServer&) = delete;
  RacsServer& operator=(const RacsServer&) = delete;

  std::uint16_t port() const { return listener_->port(); }
  std::size_t sessions() const { return listener_->session_count(); }
  // CPU seconds used by the I/O thread(s) (TLS, socket calls and the card work run inline).
  double io_cpu_seconds() {
    double s = 0;
    for (auto h : handles_) s += thread_cpu_seconds(h);
    return s;
  }
  int io_thread_count() const { return static_cast<int>(handles_.size()); }
  card::CardService& cards() { return service_; }

 private:
  static std::size_t thread_count(std::size_t io_threads) {
    server::racs::RacsConfig c;
    c.io_threads = io_threads;
    return server::racs::io_thread_count(c);
  }

  std::unique_ptr<store::Store> store_;
  card::AppletRegistry registry_ = applets::builtin_registry();
  card::CardService service_;
  server::racs::AccessPolicy policy_;
  server::racs::PolicySource policy_source_ = server::racs::PolicySource::borrowing(policy_);
  NullAudit audit_;
  server::IoLoops loops_;
  asio::thread_pool pool_{2};  // sesamed's card pool
  std::unique_ptr<server::racs::RacsListener> listener_;
  std::vector<std::thread::native_handle_type> handles_;
};

// The floor: TLS with the listener's context and the same framing (a request is lines up to a line
// "END"), no RACS parsing, no card, no thread hop: each request is answered on the I/O thread with
// `response`, which the caller sets to exactly what RACS answers (same size, same TLS records).
// `threads` event loops (an io_context and a thread each, connections dealt round-robin), as the
// RACS listener runs on racs.io_threads loops.
class EchoServer {
 public:
  explicit EchoServer(const crypto::TlsContext& tls, std::size_t threads = 1)
      : ssl_(static_cast<asio::ssl::context::native_handle_type>(tls.new_reference())), loops_(threads) {
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    accept();
    loops_.run_threads();
    handles_ = loops_.native_handles();
  }
  ~EchoServer() {
    loops_.stop();
    loops_.join_threads();
  }
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;

  // Before the first request is sent (the I/O thread reads it after a post, which orders the write).
  void set_response(std::string r) { response_ = std::move(r); }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  double io_cpu_seconds() {
    double sum = 0;
    for (auto h : handles_) sum += thread_cpu_seconds(h);
    return sum;
  }
  int io_thread_count() const { return static_cast<int>(handles_.size()); }
  // "TLSv1.3 TLS_AES_256_GCM_SHA384" of the last handshake, for the report.
  std::string tls_summary() const {
    std::lock_guard lock(mu_);
    return summary_;
  }

 private:
  struct Conn : std::enable_shared_from_this<Conn> {
    Conn(EchoServer& s, tcp::socket sock) : server(s), stream(std::move(sock), s.ssl_) {}
    EchoServer& server;
    asio::ssl::stream<tcp::socket> stream;
    std::string in;

    void start() {
      asio::error_code ignored;
      stream.lowest_layer().set_option(tcp::no_delay(true), ignored);  // as the listener does
      stream.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](const asio::error_code& ec) {
        if (ec) return;
        {
          std::lock_guard lock(self->server.mu_);
          self->server.summary_ = crypto::tls_session_summary(self->stream.native_handle());
        }
        self->read();
      });
    }
    void read() {
      asio::async_read_until(stream, asio::dynamic_buffer(in), "\nEND\n",
                             [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                               if (ec) return;
                               self->in.erase(0, n);
                               asio::async_write(self->stream, asio::buffer(self->server.response_),
                                                 [self](const asio::error_code& e, std::size_t) {
                                                   if (!e) self->read();
                                                 });
                             });
    }
  };

  void accept() {
    acceptor_.async_accept(loops_.loop(next_++ % loops_.size()), [this](const asio::error_code& ec, tcp::socket s) {
      if (ec) return;
      std::make_shared<Conn>(*this, std::move(s))->start();
      accept();
    });
  }

  asio::ssl::context ssl_;
  server::IoLoops loops_;
  tcp::acceptor acceptor_{loops_.loop(0)};  // accepts on loop 0's thread only: next_ needs no lock
  std::size_t next_ = 0;
  std::string response_;
  mutable std::mutex mu_;
  std::string summary_;
  std::vector<std::thread::native_handle_type> handles_;
};

}  // namespace sesame::bench::racs
