#include "server/eid_routes.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "crypto/any_key.h"
#include "crypto/certificate_builder.h"
#include "crypto/crl.h"
#include "server/file_io.h"
#include "services/eid_verifier/eid_verifier.h"
#include "util/base64.h"
#include "util/error.h"

namespace sesame::server {

using nlohmann::json;
using services::eid::EidRequestError;
using services::eid::EidVerifier;
using services::eid::SessionStep;
using services::eid::TransactionStatus;
namespace fs = std::filesystem;

namespace {

class BadRequest final : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::set<std::string> read_lines(const fs::path& file) {
  std::set<std::string> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    const auto b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
    if (b != std::string::npos) out.insert(line.substr(b, e - b + 1));
  }
  return out;
}

std::vector<fs::path> pem_files(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".pem") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

crypto::EcPrivateKey load_or_make_key(const fs::path& path) {
  if (!fs::exists(path)) {
    const crypto::PrivateKey k = crypto::EcPrivateKey::generate(crypto::Curve::p256);
    write_file_atomic(path, crypto::private_key_to_pem(k).view(), 0600);
  }
  crypto::PrivateKey key = crypto::private_key_from_pem(read_secret_file(path));
  auto* ec = std::get_if<crypto::EcPrivateKey>(&key);
  if (!ec) fail(Errc::invalid_argument, path.string() + ": not an EC key");
  return *ec;
}

// The DigitalID signer: issued by the development CA when missing, like the WSCA attester.
void ensure_signer(const fs::path& dir, const fs::path& pki_dir) {
  const auto cert_path = dir / "digital-id.pem";
  if (fs::exists(cert_path) && fs::exists(dir / "digital-id.key")) return;
  const auto ca = crypto::Certificate::from_pem(read_text_file(pki_dir / "ca.pem"));
  const crypto::PrivateKey ca_key = crypto::private_key_from_pem(read_secret_file(pki_dir / "ca.key"));
  fs::remove(dir / "digital-id.key");
  const crypto::EcPrivateKey key = load_or_make_key(dir / "digital-id.key");
  const auto now = std::chrono::system_clock::now();
  const crypto::Certificate cert =
      crypto::CertificateBuilder()
          .organization("sesame")
          .common_name("sesame eID DigitalID")
          .validity(now - std::chrono::hours(1), now + std::chrono::hours(24 * 825))
          .key_usage(crypto::KeyUsage::digital_signature)
          .public_key(key.public_key())
          .sign(ca, ca_key);
  const std::string pem = cert.pem() + ca.pem();
  write_file_atomic(cert_path, as_bytes(pem), 0644);
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json body_object(const http::Request& req) {
  json j = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) throw BadRequest("the body must be a JSON object");
  return j;
}

std::string string_field(const json& obj, const char* name) {
  if (!obj.contains(name) || !obj[name].is_string())
    throw BadRequest(std::string("missing string '") + name + "'");
  return obj[name].get<std::string>();
}

Bytes b64_field(const json& obj, const char* name) {
  try {
    return base64url_decode(string_field(obj, name));
  } catch (const Error&) {
    throw BadRequest(std::string("'") + name + "' is not base64url");
  }
}

http::Response request_problem(const EidRequestError& e) {
  switch (e.kind()) {
    case EidRequestError::Kind::bad_request: return http::Response::problem(400, e.what());
    case EidRequestError::Kind::not_found: return http::Response::problem(404, e.what());
    case EidRequestError::Kind::conflict: return http::Response::problem(409, e.what());
    case EidRequestError::Kind::busy: return http::Response::problem(503, e.what());
    default: return http::Response::problem(500, "internal error");
  }
}

// Every handler's refusals, in one place.
template <class F>
http::Response guarded(F&& f) {
  try {
    return f();
  } catch (const EidRequestError& e) {
    return request_problem(e);
  } catch (const BadRequest& e) {
    return http::Response::problem(400, e.what());
  } catch (const json::exception&) {
    return http::Response::problem(400, "malformed JSON");
  }
}

http::Response step_response(const SessionStep& step) {
  switch (step.kind) {
    case SessionStep::Kind::command:
      return http::Response::json(200, dump({{"command", base64url_encode(step.command)}}));
    case SessionStep::Kind::done: return http::Response::json(200, dump({{"status", "done"}}));
    case SessionStep::Kind::failed:
    default: return http::Response::problem(422, step.failure);
  }
}

}  // namespace

struct EidApi::Impl {
  fs::path dir;
  // Read at every DigitalID request, like revoked.txt: a relying party is added or removed at once.
  std::set<std::string> relying_parties() const {
    const fs::path rp = dir / "relying-parties.txt";
    return fs::exists(rp) ? read_lines(rp) : std::set<std::string>{"admin"};
  }
  std::unique_ptr<EidVerifier> verifier;
};

std::unique_ptr<EidApi> EidApi::load(const fs::path& state_dir, const fs::path& pki_dir) {
  auto impl = std::make_unique<Impl>();
  impl->dir = state_dir / "eid";
  std::vector<crypto::Certificate> cscas;
  for (const auto& f : pem_files(impl->dir / "csca"))
    for (auto& cert : crypto::Certificate::all_from_pem(read_text_file(f))) cscas.push_back(std::move(cert));
  if (cscas.empty()) return nullptr;
  ensure_signer(impl->dir, pki_dir);
  services::eid::EidVerifierConfig c(load_or_make_key(impl->dir / "handover.key"),
                                     load_or_make_key(impl->dir / "digital-id.key"));
  c.cscas = std::move(cscas);
  for (const auto& f : pem_files(impl->dir / "crl"))
    c.crls.push_back(crypto::Crl::from_pem(read_text_file(f)));
  c.signing_chain = crypto::Certificate::all_from_pem(read_text_file(impl->dir / "digital-id.pem"));
  const fs::path revoked = impl->dir / "revoked.txt";
  c.is_revoked = [revoked](const std::string& number) { return read_lines(revoked).count(number) > 0; };
  const std::size_t parties = impl->relying_parties().size();
  spdlog::info("eID verifier: {} CSCA(s), {} CRL(s), DigitalIDs for {} relying part{}", c.cscas.size(),
               c.crls.size(), parties, parties == 1 ? "y" : "ies");
  impl->verifier = std::make_unique<EidVerifier>(std::move(c));
  return std::unique_ptr<EidApi>(new EidApi(std::move(impl)));
}

EidApi::EidApi(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EidApi::~EidApi() = default;
EidVerifier& EidApi::verifier() {
  return *impl_->verifier;
}

void EidApi::add_routes(http::Router& router) {
  Impl* impl = impl_.get();
  router.add("GET", "/v1/eid/handover-key",
             [impl](const http::Request&, const http::Peer&, const http::PathParams&) {
               return http::Response::json(
                   200,
                   dump({{"key", base64url_encode(impl->verifier->handover_public_key().to_spki_der())}}));
             });
  router.add("POST", "/v1/eid/sessions",
             [impl](const http::Request& req, const http::Peer&, const http::PathParams&) {
               return guarded([&] {
                 const json body = body_object(req);
                 const std::string tx = string_field(body, "transaction_id");
                 if (!body.contains("handover") || !body["handover"].is_object())
                   throw BadRequest("missing 'handover' (ephemeral_key, iv, box: docs/EID.md)");
                 const json& h = body["handover"];
                 const Bytes first =
                     impl->verifier->start(tx, crypto::EcdhEnvelope{b64_field(h, "ephemeral_key"),
                                                                    b64_field(h, "iv"), b64_field(h, "box")});
                 return http::Response::json(
                     201, dump({{"transaction_id", tx}, {"command", base64url_encode(first)}}));
               });
             });
  router.add("POST", "/v1/eid/sessions/{tx}/responses",
             [impl](const http::Request& req, const http::Peer&, const http::PathParams& params) {
               return guarded([&] {
                 const Bytes response = b64_field(body_object(req), "response");
                 return step_response(impl->verifier->respond(params.at("tx"), response));
               });
             });
  router.add("GET", "/v1/eid/digital-ids/{tx}",
             [impl](const http::Request&, const http::Peer& peer, const http::PathParams& params) {
               // The listener verified any certificate presented; here one is required, and its CN allowed.
               if (peer.client_cn.empty())
                 return http::Response::problem(401, "a client certificate is required to fetch a DigitalID");
               if (!impl->relying_parties().count(peer.client_cn))
                 return http::Response::problem(403, "this client is not a relying party");
               return guarded([&] {
                 const TransactionStatus s = impl->verifier->status(params.at("tx"));
                 switch (s.state) {
                   case TransactionStatus::State::verified:
                     return http::Response::json(200, dump({{"status", "verified"},
                                                            {"transaction_id", params.at("tx")},
                                                            {"digital_id", s.digital_id}}));
                   case TransactionStatus::State::in_progress:
                     return http::Response::problem(409, "the transaction is still in progress");
                   case TransactionStatus::State::failed:
                   default: return http::Response::problem(422, "verification failed: " + s.failure);
                 }
               });
             });
}

}  // namespace sesame::server
