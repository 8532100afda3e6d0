#include "host/eid/eid_back_end_client.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "crypto/any_key.h"
#include "crypto/tls_context.h"
#include "host/tls_connection.h"
#include "util/base64.h"
#include "util/hex.h"

namespace sesame::host::eid {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxResponse = 1 << 20;

crypto::TlsContext make_tls(const BackEndEndpoint& e) {
  if (e.ca.empty() && e.pin_sha256.empty())
    fail(Errc::invalid_argument, "pin the back end: give its CA certificate or its certificate's SHA-256");
  crypto::TlsClientConfig config;
  if (!e.ca.empty()) config.trusted_cas = crypto::load_certificate_bundle(e.ca);
  if (!e.pin_sha256.empty()) {
    Bytes pin;
    try {
      pin = from_hex(e.pin_sha256);
    } catch (const Error&) {
    }
    if (pin.size() != 32) fail(Errc::invalid_argument, "the back end's pin must be a SHA-256: 64 hex digits");
    config.pinned_sha256 = std::move(pin);
  }
  return crypto::TlsContext::make_client(config);
}

struct HttpResponse {
  int status = 0;
  bool close = false;
  std::string body;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

void parse_back_end_url(const std::string& url, BackEndEndpoint& e) {
  if (url.rfind("https://", 0) != 0)
    fail(Errc::invalid_argument, "the back end URL must be https://host[:port]");
  std::string rest = url.substr(8);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string::npos)
    fail(Errc::invalid_argument, "the back end URL must be https://host[:port]");
  std::string port;
  if (rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) fail(Errc::invalid_argument, "back end URL: unclosed '['");
    e.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') fail(Errc::invalid_argument, "back end URL: ':' port expected after ']'");
      port = rest.substr(close + 2);
    }
  } else {
    const auto colon = rest.find(':');
    e.host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
  }
  e.port = 443;
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(port) == 0 || std::stoul(port) > 65535)
      fail(Errc::invalid_argument, "back end URL: bad port");
    e.port = static_cast<std::uint16_t>(std::stoul(port));
  }
  if (e.host.empty()) fail(Errc::invalid_argument, "back end URL: no host");
}

struct HttpsBackEndLink::Impl {
  explicit Impl(BackEndEndpoint e)
      : endpoint(std::move(e)),
        tls(make_tls(endpoint)),
        conn(tls, endpoint.host, endpoint.port, endpoint.timeout,
             "back end " + endpoint.host + ":" + std::to_string(endpoint.port)) {}

  BackEndEndpoint endpoint;
  crypto::TlsContext tls;
  TlsConnection conn;
  std::string rbuf;

  const std::string& where() const { return conn.label(); }

  void drop() {
    conn.close();
    rbuf.clear();
  }

  void connect() {
    rbuf.clear();
    conn.connect(" (not the pinned back end?)");
  }

  // Reads what arrives next into `rbuf`.
  void read_more() {
    bool open = false;
    try {
      open = conn.read_some(rbuf);
    } catch (...) {
      rbuf.clear();
      throw;
    }
    if (!open) {
      drop();
      fail(Errc::io, where() + ": the connection ended");
    }
    if (rbuf.size() > kMaxResponse) {
      drop();
      fail(Errc::parse, where() + ": response too large");
    }
  }

  HttpResponse exchange(const std::string& method, const std::string& path, const std::string& body) {
    if (!conn.is_open()) connect();
    std::string req =
        method + " " + path + " HTTP/1.1\r\nHost: " + endpoint.host + "\r\nAccept: application/json\r\n";
    if (method == "POST")
      req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    try {
      conn.write(req);
    } catch (...) {
      rbuf.clear();
      throw;
    }
    std::size_t header_end;
    while ((header_end = rbuf.find("\r\n\r\n")) == std::string::npos) read_more();
    const std::string head = rbuf.substr(0, header_end);
    rbuf.erase(0, header_end + 4);
    HttpResponse r;
    if (head.rfind("HTTP/1.1 ", 0) != 0 || head.size() < 12) {
      drop();
      fail(Errc::parse, where() + ": not an HTTP/1.1 response");
    }
    r.status = std::atoi(head.substr(9, 3).c_str());
    std::size_t length = 0;
    bool has_length = false;
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos) {
      const std::size_t next = head.find("\r\n", pos + 2);
      const std::string line =
          head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        const std::string name = lower(line.substr(0, colon));
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(" \t"));
        if (name == "content-length") {
          length = static_cast<std::size_t>(std::strtoull(value.c_str(), nullptr, 10));
          has_length = true;
        } else if (name == "connection" && lower(value) == "close") {
          r.close = true;
        }
      }
      pos = next;
    }
    if (!has_length || length > kMaxResponse) {
      drop();
      fail(Errc::parse, where() + ": response without a usable Content-Length");
    }
    while (rbuf.size() < length) read_more();
    r.body = rbuf.substr(0, length);
    rbuf.erase(0, length);
    if (r.close) drop();
    return r;
  }

  json call(const std::string& method, const std::string& path, const std::string& body) {
    const HttpResponse r = exchange(method, path, body);
    const json j = json::parse(r.body, nullptr, false);
    if (r.status >= 200 && r.status < 300) {
      if (!j.is_object()) fail(Errc::parse, where() + ": the answer is not a JSON object");
      return j;
    }
    std::string detail = "HTTP " + std::to_string(r.status);
    if (j.is_object() && j.contains("detail") && j["detail"].is_string())
      detail = j["detail"].get<std::string>();
    throw BackEndRefused(detail);
  }

  static Bytes b64(const json& j, const char* name) {
    if (!j.contains(name) || !j[name].is_string())
      fail(Errc::parse, std::string("back end answer without '") + name + "'");
    return base64url_decode(j[name].get<std::string>());
  }
};

HttpsBackEndLink::HttpsBackEndLink(BackEndEndpoint endpoint)
    : impl_(std::make_unique<Impl>(std::move(endpoint))) {}

HttpsBackEndLink::~HttpsBackEndLink() {
  try {
    impl_->drop();
  } catch (...) {
  }
}

crypto::EcPublicKey HttpsBackEndLink::handover_key() {
  const json j = impl_->call("GET", "/v1/eid/handover-key", "");
  const crypto::PublicKey k = crypto::public_key_from_spki_der(Impl::b64(j, "key"));
  const auto* ec = std::get_if<crypto::EcPublicKey>(&k);
  if (!ec) fail(Errc::parse, "the back end's handover key is not an EC key");
  return *ec;
}

Bytes HttpsBackEndLink::start(const std::string& tx, const crypto::EcdhEnvelope& h) {
  const json body{{"transaction_id", tx},
                  {"handover",
                   {{"ephemeral_key", base64url_encode(h.ephemeral_point)},
                    {"iv", base64url_encode(h.iv)},
                    {"box", base64url_encode(h.box)}}}};
  return Impl::b64(impl_->call("POST", "/v1/eid/sessions", body.dump()), "command");
}

std::optional<Bytes> HttpsBackEndLink::respond(const std::string& tx, ByteView response) {
  const json body{{"response", base64url_encode(response)}};
  const json j = impl_->call("POST", "/v1/eid/sessions/" + tx + "/responses", body.dump());
  if (j.contains("status") && j["status"] == "done") return std::nullopt;
  return Impl::b64(j, "command");
}

}  // namespace sesame::host::eid
