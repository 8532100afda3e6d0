#include "services/eid_verifier/eid_verifier.h"

#include <map>
#include <mutex>

#include "crypto/any_key.h"
#include "crypto/trust_store.h"
#include "services/eid_verifier/digital_id.h"
#include "util/error.h"

namespace sesame::services::eid {
namespace {

using Kind = EidRequestError::Kind;
using Clock = std::chrono::system_clock;

struct Transaction {
  std::mutex mutex;  // one step at a time per transaction
  std::unique_ptr<VerificationSession> session;
  TransactionStatus status;
  Clock::time_point started;
};

}  // namespace

struct EidVerifier::Impl {
  EidVerifierConfig config;
  crypto::TrustStore cscas;
  std::mutex mutex;  // guards the map only
  std::map<std::string, std::shared_ptr<Transaction>> transactions;

  explicit Impl(EidVerifierConfig c) : config(std::move(c)), cscas(config.cscas) {}

  void expire(Clock::time_point now) {
    for (auto it = transactions.begin(); it != transactions.end();)
      it = now - it->second->started > config.session_ttl ? transactions.erase(it) : std::next(it);
  }

  std::shared_ptr<Transaction> find(const std::string& tx) {
    std::lock_guard lock(mutex);
    expire(config.clock());
    const auto it = transactions.find(tx);
    if (it == transactions.end()) throw EidRequestError(Kind::not_found, "unknown or expired transaction");
    return it->second;
  }

  void finish(Transaction& t, const std::string& tx) {
    const EidReadout readout = t.session->readout();
    t.session.reset();
    const Clock::time_point now = config.clock();
    try {
      const VerifiedIdentity id = verify_readout(readout, cscas, config.crls, config.is_revoked, now);
      t.status.digital_id = issue_digital_id(
          id, tx, {config.signing_key, config.signing_chain, config.issuer}, now, config.digital_id_lifetime);
      t.status.state = TransactionStatus::State::verified;
    } catch (const Error& e) {
      t.status.state = TransactionStatus::State::failed;
      t.status.failure = e.what();
    }
  }
};

EidVerifier::EidVerifier(EidVerifierConfig config) {
  if (config.cscas.empty()) fail(Errc::invalid_argument, "eID verifier: no CSCA certificate");
  if (config.signing_chain.empty())
    fail(Errc::invalid_argument, "eID verifier: no DigitalID signing certificate");
  const crypto::PublicKey cert_key = config.signing_chain.front().public_key();
  const auto* ec = std::get_if<crypto::EcPublicKey>(&cert_key);
  if (!ec || ec->to_spki_der() != config.signing_key.public_key().to_spki_der())
    fail(Errc::invalid_argument, "eID verifier: the signing certificate is not the signing key's");
  impl_ = std::make_unique<Impl>(std::move(config));
}

EidVerifier::~EidVerifier() = default;

const crypto::EcPublicKey& EidVerifier::handover_public_key() const {
  return impl_->config.handover_key.public_key();
}

Bytes EidVerifier::start(const std::string& tx, const crypto::EcdhEnvelope& envelope) {
  try {
    host::eid::check_transaction_id(tx);
  } catch (const Error& e) {
    throw EidRequestError(Kind::bad_request, e.what());
  }
  std::unique_ptr<VerificationSession> session;
  try {
    session = std::make_unique<VerificationSession>(
        host::eid::open_handover(impl_->config.handover_key, tx, envelope));
  } catch (const Error& e) {
    throw EidRequestError(Kind::bad_request,
                          e.code() == Errc::crypto
                              ? "the handover does not open with this back end's key for this "
                                "transaction (altered, or sealed to another key or transaction)"
                              : std::string("handover: ") + e.what());
  }
  auto t = std::make_shared<Transaction>();
  t->started = impl_->config.clock();
  const Bytes first = session->first_command();
  t->session = std::move(session);
  std::lock_guard lock(impl_->mutex);
  impl_->expire(t->started);
  if (impl_->transactions.count(tx))
    throw EidRequestError(Kind::conflict, "this transaction ID was already used");
  if (impl_->transactions.size() >= impl_->config.max_sessions)
    throw EidRequestError(Kind::busy, "too many transactions in progress");
  impl_->transactions.emplace(tx, std::move(t));
  return first;
}

SessionStep EidVerifier::respond(const std::string& tx, ByteView response) {
  const std::shared_ptr<Transaction> t = impl_->find(tx);
  std::lock_guard lock(t->mutex);
  if (!t->session) throw EidRequestError(Kind::conflict, "the transaction has finished");
  SessionStep step = t->session->on_response(response);
  switch (step.kind) {
    case SessionStep::Kind::command: return step;
    case SessionStep::Kind::done:
      impl_->finish(*t, tx);
      if (t->status.state == TransactionStatus::State::failed)
        return {SessionStep::Kind::failed, {}, t->status.failure};
      return step;
    case SessionStep::Kind::failed:
    default:
      t->session.reset();
      t->status.state = TransactionStatus::State::failed;
      t->status.failure = step.failure;
      return {SessionStep::Kind::failed, {}, step.failure};
  }
}

TransactionStatus EidVerifier::status(const std::string& tx) {
  const std::shared_ptr<Transaction> t = impl_->find(tx);
  std::lock_guard lock(t->mutex);
  return t->status;
}

}  // namespace sesame::services::eid
