#include "host/racs/racs_client.h"

#include <algorithm>
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <optional>
#include <sstream>

#include "util/hex.h"

namespace sesame::host::racs {

using asio::ip::tcp;
using SslStream = asio::ssl::stream<tcp::socket>;

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
        ssl_ctx(static_cast<asio::ssl::context::native_handle_type>(tls.new_reference())) {}

  std::string host;
  std::uint16_t port;
  RacsClientOptions options;
  asio::io_context io;
  asio::ssl::context ssl_ctx;
  std::unique_ptr<SslStream> stream;
  std::string rbuf;  // bytes read past the last complete line

  std::string endpoint() const { return host + ":" + std::to_string(port); }

  void drop() {
    if (stream) {
      asio::error_code ignored;
      stream->lowest_layer().close(ignored);
      io.restart();
      io.run();  // every cancelled operation completes before its stream goes
      stream.reset();
    }
    rbuf.clear();
  }

  // Runs one asynchronous operation to completion or until the timeout; returns its error code.
  template <class Start>
  asio::error_code run(Start&& start, const char* what) {
    std::optional<asio::error_code> result;
    start([&result](const asio::error_code& ec) { result = ec; });
    io.restart();
    io.run_for(options.timeout);
    if (!result) {
      drop();  // closing the socket cancels the operation; drop() runs it to its end
      fail(Errc::io, "RACS " + endpoint() + ": " + what + " timed out");
    }
    return *result;
  }

  void connect() {
    drop();
    // Resolved synchronously: an asynchronous resolve cannot be abandoned safely on a timeout.
    tcp::resolver resolver(io);
    asio::error_code ec;
    const tcp::resolver::results_type endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) fail(Errc::io, "RACS " + endpoint() + ": cannot resolve: " + ec.message());

    stream = std::make_unique<SslStream>(io, ssl_ctx);
    ec = run(
        [&](auto done) {
          asio::async_connect(stream->lowest_layer(), endpoints,
                              [done](const asio::error_code& e, const tcp::endpoint&) { done(e); });
        },
        "connect");
    if (ec) {
      drop();
      fail(Errc::io, "RACS " + endpoint() + ": cannot connect: " + ec.message());
    }
    stream->lowest_layer().set_option(tcp::no_delay(true));
    crypto::tls_set_peer_host(stream->native_handle(), host);
    ec = run([&](auto done) { stream->async_handshake(asio::ssl::stream_base::client, done); },
             "TLS handshake");
    if (ec) {
      std::string why = crypto::tls_verify_error(stream->native_handle());
      if (why.empty()) why = ec.message();
      drop();
      fail(Errc::crypto, "RACS " + endpoint() + ": TLS handshake failed: " + why);
    }
  }

  void write(const std::string& data) {
    const asio::error_code ec = run(
        [&](auto done) {
          asio::async_write(*stream, asio::buffer(data),
                            [done](const asio::error_code& e, std::size_t) { done(e); });
        },
        "write");
    if (ec) {
      drop();
      fail(Errc::io, "RACS " + endpoint() + ": write failed: " + ec.message());
    }
  }

  // One line without its LF; nullopt when the server closed the session.
  std::optional<std::string> read_line() {
    std::size_t n = 0;
    const asio::error_code ec = run(
        [&](auto done) {
          asio::async_read_until(*stream, asio::dynamic_buffer(rbuf, options.limits.max_line + 1), '\n',
                                 [&n, done](const asio::error_code& e, std::size_t got) {
                                   n = got;
                                   done(e);
                                 });
        },
        "read");
    if (ec == asio::error::not_found) {
      drop();
      fail(Errc::parse, "RACS " + endpoint() + ": response line longer than " +
                            std::to_string(options.limits.max_line) + " bytes");
    }
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
      drop();
      return std::nullopt;
    }
    if (ec) {
      drop();
      fail(Errc::io, "RACS " + endpoint() + ": read failed: " + ec.message());
    }
    std::string line = rbuf.substr(0, n - 1);
    rbuf.erase(0, n);
    return line;
  }

  // An idle session the server has ended (it closes after a protocol error, an idle timeout or
  // its lifetime): FIN or a close_notify is waiting. Checked before reusing a session, so a
  // request is never written into a connection that is already gone.
  bool server_went_away() {
    tcp::socket& sock = stream->next_layer();
    char byte = 0;
    asio::error_code ec, ignored;
    sock.non_blocking(true, ec);
    if (ec) return true;
    sock.receive(asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
    sock.non_blocking(false, ignored);
    return ec != asio::error::would_block;  // EOF, an error, or bytes nobody asked for
  }

  RacsResponse execute(const RacsRequest& request) {
    const std::string wire = request.encode();  // validates before anything is sent
    if (stream && (!rbuf.empty() || server_went_away())) drop();
    if (!stream) connect();
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
    if (!stream) return;
    // close_notify both ways, briefly: a server that does not answer does not hold us up.
    const auto saved = options.timeout;
    options.timeout = std::min<std::chrono::milliseconds>(saved, std::chrono::milliseconds(2000));
    try {
      run([&](auto done) { stream->async_shutdown(done); }, "TLS close");
    } catch (const Error&) {
      // not answered in time: the socket is closed anyway
    }
    options.timeout = saved;
    drop();
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
  return impl_->stream != nullptr;
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
  return impl_->stream ? crypto::tls_session_summary(impl_->stream->native_handle()) : std::string();
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
