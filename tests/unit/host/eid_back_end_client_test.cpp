// The split middleware front end's HTTPS link (host/eid/eid_back_end_client.h) pins the back end:
// threat "a back end with the wrong certificate" — a server whose certificate is not the pinned
// one (other SHA-256, or not under the pinned CA) is refused at the TLS handshake, before anything
// (the handover included) is sent. The server is the RACS test stub (TLS only matters here): after
// an accepted handshake it never answers HTTP, so the link then times out (Errc::io).
#include "host/eid/eid_back_end_client.h"

#include <gtest/gtest.h>

#include "host/racs/racs_client.h"
#include "racs_stub_server.h"
#include "racs_test_pki.h"
#include "util/hex.h"

namespace sesame::host::eid {
namespace {

using racs::testing::StubRacsServer;
using racs::testing::StubReply;

struct PhoneFacingServer {
  racs::testing::TestPki pki;
  crypto::TlsContext tls = [this] {
    crypto::TlsServerConfig c{.identity = {.certificate = pki.server, .chain = {}, .key = pki.server_key},
                              .client_cas = {pki.ca}};
    c.client_certificate_required = false;  // phones come without a certificate
    return crypto::TlsContext::make_server(c);
  }();
  StubRacsServer server{tls, [](const std::vector<std::string>&) { return StubReply::nothing(); }};

  BackEndEndpoint endpoint(std::filesystem::path ca, std::string pin) const {
    return BackEndEndpoint{"localhost", server.port(), std::move(ca), std::move(pin),
                           std::chrono::milliseconds(400)};
  }
};

Errc errc_of_handover_key(const BackEndEndpoint& e, std::string* what = nullptr) {
  HttpsBackEndLink link(e);
  try {
    link.handover_key();
  } catch (const Error& err) {
    if (what) *what = err.what();
    return err.code();
  }
  return Errc::internal;
}

TEST(EidBackEndClient, WrongCertificateIsRefusedAtTheHandshake) {
  PhoneFacingServer s;
  std::string what;
  EXPECT_EQ(errc_of_handover_key(s.endpoint({}, std::string(64, '0')), &what), Errc::crypto);
  EXPECT_NE(what.find("TLS handshake failed"), std::string::npos) << what;
  EXPECT_EQ(errc_of_handover_key(s.endpoint(s.pki.other_ca_pem, "")), Errc::crypto);
  EXPECT_EQ(s.server.handshakes(), 0);
  EXPECT_TRUE(s.server.requests().empty());
}

TEST(EidBackEndClient, PinnedCertificateOrCaIsAccepted) {
  PhoneFacingServer s;
  // The handshake succeeds; the stub then says nothing, so the request times out (not a TLS error).
  EXPECT_EQ(errc_of_handover_key(s.endpoint({}, to_hex(s.pki.server.fingerprint_sha256()))), Errc::io);
  EXPECT_EQ(errc_of_handover_key(s.endpoint(s.pki.ca_pem, "")), Errc::io);
  EXPECT_EQ(s.server.handshakes(), 2);
}

}  // namespace
}  // namespace sesame::host::eid
