// The [racs] section of sesamed's configuration (docs/CONFIGURATION.md, docs/RACS.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace sesame::server::racs {

// The sizes a request may reach; a client that exceeds one gets an error line and is disconnected.
struct RacsLimits {
  std::size_t max_line_length = 8192;      // bytes in one line, CR LF excluded (an APDU of 4 KB in hex)
  std::size_t max_request_bytes = 262144;  // bytes between BEGIN and END
  std::size_t max_request_lines = 999;     // lines in one request, BEGIN and END included (MMM has 3 digits)
  std::size_t max_response_bytes = 65538;  // one response APDU, chained parts included
};

struct RacsConfig {
  bool enabled = false;
  std::uint16_t port = 7777;  // binds to server.listen_address
  // TLS. Empty: the development PKI (server.pem, server.key; client CA ca.pem).
  std::filesystem::path certificate, private_key, client_ca;
  int verify_depth = 4;
  // Access control. `users`: CN -> SEIDs it may see ("*" for all), from [racs.users].
  // `acl_dir`: the reference implementation's tables (users.txt, <SEID>.txt, filter files).
  std::map<std::string, std::vector<std::string>> users;
  std::filesystem::path acl_dir;  // empty: none; relative to the state dir
  bool default_aid_access = true;  // an AID no table line covers (se_default_access)
  // Limits.
  std::size_t max_sessions = 1024;
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds idle_timeout{300};
  std::chrono::seconds session_lifetime{86400};
  // Threads running the listener's I/O loops; each session's card work runs on one of them (its
  // durable commits are only submitted, docs/RACS.md "Durability"). 0: one per hardware thread
  // but one, at least 1 (io_thread_count(), D16).
  std::size_t io_threads = 0;
  RacsLimits limits;
  // Audit log file (appended, mode 0600). Empty: audit lines go to sesamed's log.
  std::filesystem::path audit_log;
};

// config.io_threads, or when it is 0 the number of hardware threads less one (at least 1).
std::size_t io_thread_count(const RacsConfig& config);

}  // namespace sesame::server::racs
