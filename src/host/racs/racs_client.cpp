#include "host/racs/racs_client.h"

#include <algorithm>
#include <optional>
#include <sstream>

#include "host/tls_connection.h"
#include "util/hex.h"

namespace sesame::host::racs {


namespace {

Errc errc_of(ErrorClass c) {
  switch (c) {
    case ErrorClass::execution:
    case ErrorClass::hardware:
    case ErrorClass::system: return Errc::io;
    case ErrorClass::unauthorized:
    case ErrorClass::in_use: return Errc::state;
    case ErrorClass::unknown_command:
    case ErrorClass::not_implemented:
    case ErrorClass::illegal_command:
    case ErrorClass::bad_parameter:
    case ErrorClass::syntax: return Errc::invalid_argument;
  }
  return Errc::io;  // not reachable for a parsed line (X is one digit); fail closed anyway
}

bool is_hex_word(std::string_view s) {
  return !s.empty() && s.size() % 2 == 0 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
  });
}

// The ATR in a POWERON/RESET result: "... ATR=3B8F..." (sesame and the reference server), or the
// whole text in hex; empty when there is none ("was already powered, POWERON has been ignored").
Bytes atr_of(const std::string& text) {
  if (is_hex_word(text)) return from_hex(text);
  const std::size_t at = text.rfind("ATR=");
  if (at == std::string::npos) return {};
  std::string_view hex = std::string_view(text).substr(at + 4);
  hex = hex.substr(0, hex.find_first_not_of("0123456789ABCDEFabcdef"));
  return is_hex_word(hex) ? from_hex(hex) : Bytes{};
}

Bytes response_apdu(const std::string& text) {
  if (!is_hex_word(text) || text.size() < 4)
    fail(Errc::parse, "RACS: an APDU result must be the response in hex");
  return from_hex(text);
}

// The server ends the session after a protocol error (unknown command -1NN, illegal command
// -3NN: no BEGIN, duplicate BEGIN, a name or line too long) and after refusing the user at BEGIN
// (index 000). Dropping our side at once means the next request opens a new session instead of
// racing the server's close.
bool ends_session(const RacsResponse& r) {
  const RacsResult* e = r.error();
  if (e == nullptr) return false;
  return !r.framed || e->index == 0 || e->error_class() == ErrorClass::unknown_command ||
         e->error_class() == ErrorClass::illegal_command;
}

}  // namespace

crypto::TlsContext make_client_tls(const RacsCredentials& c) {
  if (c.cert.empty() || c.key.empty())
    fail(Errc::invalid_argument, "RACS needs a client certificate and its key (--cert, --key)");
  if (c.ca.empty() && c.pin_sha256.empty())
    fail(Errc::invalid_argument,
         "pin the RACS server: give its CA (--ca) or its certificate's SHA-256 (--pin-sha256)");
  crypto::TlsClientConfig config;
  config.identity = crypto::TlsIdentity::from_pem_files(c.cert, c.key);
  if (!c.ca.empty()) config.trusted_cas = crypto::load_certificate_bundle(c.ca);
  if (!c.pin_sha256.empty()) {
    Bytes pin;
    try {
      pin = from_hex(c.pin_sha256);
    } catch (const Error&) {
      fail(Errc::invalid_argument, "--pin-sha256 must be 64 hex digits (colons allowed)");
    }
    if (pin.size() != 32) fail(Errc::invalid_argument, "--pin-sha256 must be 64 hex digits (colons allowed)");
    config.pinned_sha256 = std::move(pin);
  }
  return crypto::TlsContext::make_client(config);
}

RacsError::RacsError(RacsResult result)
    : Error(errc_of(result.error_class()), "RACS server: " + result.line()), result_(std::move(result)) {}

std::vector<std::string> result_texts(const RacsResponse& response, Command command) {
  if (const RacsResult* e = response.error()) throw RacsError(*e);
  std::vector<std::string> out;
  for (const auto& r : response.results)
    if (r.command() == static_cast<int>(command)) out.push_back(r.text);
  if (out.empty()) fail(Errc::parse, "RACS: the response has no result for the command");
  return out;
}

struct RacsClient::Impl {
  Impl(std::string host_, std::uint16_t port_, const crypto::TlsContext& tls, RacsClientOptions options_)
      : host(std::move(host_)),
        port(port_),
        options(options_),
        conn(tls, host, port, options.timeout, "RACS " + host + ":" + std::to_string(port)) {}

  std::string host;
  std::uint16_t port;
  RacsClientOptions options;
  TlsConnection conn;
  std::string rbuf;  // bytes read past the last complete line

  std::string endpoint() const { return host + ":" + std::to_string(port); }

  void drop() {
    conn.close();
    rbuf.clear();
  }

  void connect() {
    rbuf.clear();
    conn.connect();
  }

  void write(const std::string& data) {
    try {
      conn.write(data);
    } catch (...) {
      rbuf.clear();
      throw;
    }
  }

  // One line without its LF; nullopt when the server closed the session.
  std::optional<std::string> read_line() {
    std::size_t searched = 0;
    for (;;) {
      const std::size_t lf = rbuf.find('\n', searched);
      if (lf != std::string::npos) {
        std::string line = rbuf.substr(0, lf);
        rbuf.erase(0, lf + 1);
        return line;
      }
      searched = rbuf.size();
      if (rbuf.size() > options.limits.max_line) {
        drop();
        fail(Errc::parse, "RACS " + endpoint() + ": response line longer than " +
                              std::to_string(options.limits.max_line) + " bytes");
      }
      bool open = false;
      try {
        open = conn.read_some(rbuf);
      } catch (...) {
        rbuf.clear();
        throw;
      }
      if (!open) {
        rbuf.clear();
        return std::nullopt;
      }
    }
  }

  // An idle session the server has ended (it closes after a protocol error, an idle timeout or
  // its lifetime): FIN or a close_notify is waiting. Checked before reusing a session, so a
  // request is never written into a connection that is already gone.
  bool server_went_away() { return conn.peer_went_away(); }

  RacsResponse execute(const RacsRequest& request) {
    const std::string wire = request.encode();  // validates before anything is sent
    if (conn.is_open() && (!rbuf.empty() || server_went_away())) drop();
    if (!conn.is_open()) connect();
    write(wire);
    RacsResponseParser parser(options.limits);
    for (;;) {
      std::optional<std::string> line = read_line();
      if (!line) {
        // A server closes the session after a protocol error; the error line is the answer.
        if (parser.in_response() && parser.partial().error()) {
          RacsResponse partial = parser.partial();
          partial.framed = false;
          return partial;
        }
        fail(Errc::io, "RACS " + endpoint() + ": the server closed the session");
      }
      std::optional<RacsResponse> response;
      try {
        response = parser.feed_line(*line);
      } catch (const Error&) {
        drop();  // out of step with the server: this session cannot be trusted any more
        throw;
      }
      if (!response) continue;
      if (ends_session(*response)) drop();
      // An error may come framed without the request's name (the server answers a refused user
      // before reading the request); any other response must echo it.
      if (!response->error() && response->name != request.name()) {
        drop();
        fail(Errc::parse, "RACS " + endpoint() + ": the response names '" + response->name + "', not '" +
                              request.name() + "'");
      }
      return std::move(*response);
    }
  }

  void close() {
    // close_notify both ways, briefly: a server that does not answer does not hold us up.
    conn.shutdown(std::chrono::milliseconds(2000));
    rbuf.clear();
  }
};

RacsClient::RacsClient(std::string host, std::uint16_t port, crypto::TlsContext tls,
                       RacsClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(host), port, tls, options)) {}

RacsClient::~RacsClient() {
  try {
    impl_->close();
  } catch (...) {
    // a destructor does not throw; the socket is gone either way
  }
}

void RacsClient::connect() {
  impl_->connect();
}
void RacsClient::close() {
  impl_->close();
}
bool RacsClient::connected() const {
  return impl_->conn.is_open();
}
std::string RacsClient::endpoint() const {
  return impl_->endpoint();
}
const std::string& RacsClient::host() const {
  return impl_->host;
}
std::uint16_t RacsClient::port() const {
  return impl_->port;
}

std::string RacsClient::tls_summary() const {
  return impl_->conn.tls_summary();
}

RacsResponse RacsClient::execute(const RacsRequest& request) {
  return impl_->execute(request);
}

std::string RacsClient::version() {
  return result_texts(execute(RacsRequest().get_version()), Command::version).back();
}

void RacsClient::set_version(std::string_view version) {
  result_texts(execute(RacsRequest().set_version(version)), Command::version);
}

std::vector<std::string> RacsClient::list() {
  std::vector<std::string> seids;
  for (const auto& text : result_texts(execute(RacsRequest().list()), Command::list)) {
    std::istringstream words(text);
    for (std::string w; words >> w;)
      if (is_valid_seid(w)) seids.push_back(w);
  }
  return seids;
}

std::string RacsClient::echo(std::string_view word) {
  return result_texts(execute(RacsRequest().echo(word)), Command::echo).back();
}

Bytes RacsClient::power_on(std::string_view seid) {
  return atr_of(result_texts(execute(RacsRequest().power_on(seid)), Command::power_on).back());
}

void RacsClient::shutdown(std::string_view seid) {
  result_texts(execute(RacsRequest().shutdown(seid)), Command::shutdown);
}

Bytes RacsClient::reset(std::string_view seid, bool warm) {
  return atr_of(result_texts(execute(RacsRequest().reset(seid, warm)), Command::reset).back());
}

Bytes RacsClient::apdu(std::string_view seid, ByteView command_apdu, const ApduOptions& options) {
  return response_apdu(
      result_texts(execute(RacsRequest().apdu(seid, command_apdu, options)), Command::apdu).back());
}

std::vector<Bytes> RacsClient::apdus(std::string_view seid, const std::vector<Bytes>& commands,
                                     const ApduOptions& options) {
  if (commands.empty()) return {};
  RacsRequest request;
  for (const auto& c : commands) request.apdu(seid, c, options, /*append=*/true);
  std::vector<Bytes> out;
  for (const auto& text : result_texts(execute(request), Command::apdu)) out.push_back(response_apdu(text));
  if (out.size() != commands.size()) fail(Errc::parse, "RACS: fewer APDU results than APDUs sent");
  return out;
}

}  // namespace sesame::host::racs
