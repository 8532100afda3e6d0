#include "host/tls_connection.h"

#include <algorithm>
#include <array>
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <optional>

#include "crypto/tls_context.h"
#include "util/error.h"
#include "util/secure_buffer.h"

namespace sesame::host {

using asio::ip::tcp;
using SslStream = asio::ssl::stream<tcp::socket>;

struct TlsConnection::Impl {
  Impl(const crypto::TlsContext& tls, std::string host_, std::uint16_t port_, std::chrono::milliseconds timeout_,
       std::string label_)
      : host(std::move(host_)),
        port(port_),
        timeout(timeout_),
        label(std::move(label_)),
        ssl_ctx(static_cast<asio::ssl::context::native_handle_type>(tls.new_reference())) {}

  std::string host;
  std::uint16_t port;
  std::chrono::milliseconds timeout;
  std::string label;
  asio::io_context io;
  asio::ssl::context ssl_ctx;
  std::unique_ptr<SslStream> stream;

  void close() {
    if (!stream) return;
    asio::error_code ignored;
    stream->lowest_layer().close(ignored);
    io.restart();
    io.run();  // every cancelled operation completes before its stream goes
    stream.reset();
  }

  // Runs one asynchronous operation to completion or until the timeout; returns its error code.
  template <class Start>
  asio::error_code run(Start&& start, const char* what) {
    std::optional<asio::error_code> result;
    start([&result](const asio::error_code& ec) { result = ec; });
    io.restart();
    io.run_for(timeout);
    if (!result) {
      close();  // closing the socket cancels the operation; close() runs it to its end
      fail(Errc::io, label + ": " + what + " timed out");
    }
    return *result;
  }
};

TlsConnection::TlsConnection(const crypto::TlsContext& tls, std::string host, std::uint16_t port,
                             std::chrono::milliseconds timeout, std::string label)
    : impl_(std::make_unique<Impl>(tls, std::move(host), port, timeout, std::move(label))) {}

TlsConnection::~TlsConnection() {
  try {
    impl_->close();
  } catch (...) {
  }
}

bool TlsConnection::is_open() const { return impl_->stream != nullptr; }
const std::string& TlsConnection::label() const { return impl_->label; }
void TlsConnection::close() { impl_->close(); }

void TlsConnection::shutdown(std::chrono::milliseconds max) {
  Impl& m = *impl_;
  if (!m.stream) return;
  const auto saved = m.timeout;
  m.timeout = std::min(saved, max);
  try {
    m.run([&](auto done) { m.stream->async_shutdown(done); }, "TLS close");
  } catch (const Error&) {
    // not answered in time: the socket is closed anyway
  }
  m.timeout = saved;
  m.close();
}

std::string TlsConnection::tls_summary() const {
  return impl_->stream ? crypto::tls_session_summary(impl_->stream->native_handle()) : std::string();
}

void TlsConnection::connect(std::string_view handshake_hint) {
  Impl& m = *impl_;
  m.close();
  // Resolved synchronously: an asynchronous resolve cannot be abandoned safely on a timeout.
  tcp::resolver resolver(m.io);
  asio::error_code ec;
  const tcp::resolver::results_type endpoints = resolver.resolve(m.host, std::to_string(m.port), ec);
  if (ec) fail(Errc::io, m.label + ": cannot resolve: " + ec.message());
  m.stream = std::make_unique<SslStream>(m.io, m.ssl_ctx);
  ec = m.run(
      [&](auto done) {
        asio::async_connect(m.stream->lowest_layer(), endpoints,
                            [done](const asio::error_code& e, const tcp::endpoint&) { done(e); });
      },
      "connect");
  if (ec) {
    m.close();
    fail(Errc::io, m.label + ": cannot connect: " + ec.message());
  }
  m.stream->lowest_layer().set_option(tcp::no_delay(true));
  crypto::tls_set_peer_host(m.stream->native_handle(), m.host);
  ec = m.run([&](auto done) { m.stream->async_handshake(asio::ssl::stream_base::client, done); }, "TLS handshake");
  if (ec) {
    std::string why = crypto::tls_verify_error(m.stream->native_handle());
    if (why.empty()) why = ec.message();
    m.close();
    fail(Errc::crypto, m.label + ": TLS handshake failed" + std::string(handshake_hint) + ": " + why);
  }
}

void TlsConnection::write(std::string_view data) {
  Impl& m = *impl_;
  if (!m.stream) fail(Errc::state, m.label + ": not connected");
  const asio::error_code ec = m.run(
      [&](auto done) {
        asio::async_write(*m.stream, asio::buffer(data.data(), data.size()),
                          [done](const asio::error_code& e, std::size_t) { done(e); });
      },
      "write");
  if (ec) {
    m.close();
    fail(Errc::io, m.label + ": write failed: " + ec.message());
  }
}

bool TlsConnection::read_some(std::string& buffer) {
  Impl& m = *impl_;
  if (!m.stream) fail(Errc::state, m.label + ": not connected");
  std::array<char, 8192> chunk{};
  std::size_t got = 0;
  const asio::error_code ec = m.run(
      [&](auto done) {
        m.stream->async_read_some(asio::buffer(chunk), [&got, done](const asio::error_code& e, std::size_t n) {
          got = n;
          done(e);
        });
      },
      "read");
  buffer.append(chunk.data(), got);
  secure_zero(chunk.data(), got);  // the caller's buffer is the one copy (it may hold a PIN APDU)
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
    m.close();
    return false;
  }
  if (ec) {
    m.close();
    fail(Errc::io, m.label + ": read failed: " + ec.message());
  }
  return true;
}

bool TlsConnection::peer_went_away() {
  Impl& m = *impl_;
  if (!m.stream) return true;
  tcp::socket& sock = m.stream->next_layer();
  char byte = 0;
  asio::error_code ec, ignored;
  sock.non_blocking(true, ec);
  if (ec) return true;
  sock.receive(asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
  sock.non_blocking(false, ignored);
  return ec != asio::error::would_block;  // EOF, an error, or bytes nobody asked for
}

}  // namespace sesame::host
