#include "host/racs/racs_reader.h"

namespace sesame::host::racs {

RacsReader::RacsReader(std::shared_ptr<RacsClient> client, std::string seid)
    : client_(std::move(client)), seid_(std::move(seid)) {
  if (!client_) fail(Errc::invalid_argument, "RacsReader needs a client");
  if (!is_valid_seid(seid_)) fail(Errc::invalid_argument, "RacsReader: bad SEID '" + seid_ + "'");
}

std::unique_ptr<RacsReader> RacsReader::open(const RacsUri& uri, const RacsCredentials& credentials,
                                             RacsClientOptions options) {
  if (uri.seid.empty()) fail(Errc::invalid_argument, "the RACS URI " + uri.str() + " names no SEID");
  auto client = std::make_shared<RacsClient>(uri.host, uri.port, make_client_tls(credentials), options);
  return std::make_unique<RacsReader>(std::move(client), uri.seid);
}

std::string RacsReader::name() const {
  return RacsUri{.host = client_->host(), .port = client_->port(), .seid = seid_}.str();
}

Bytes RacsReader::connect() {
  Bytes atr = client_->power_on(seid_);
  // A card this session already holds is not powered again and its ATR is not repeated.
  if (atr.empty()) return atr_;
  atr_ = std::move(atr);
  return atr_;
}

void RacsReader::disconnect() {
  client_->shutdown(seid_);
  atr_.clear();
}

Bytes RacsReader::reset(bool warm) {
  Bytes atr = client_->reset(seid_, warm);
  if (!atr.empty()) atr_ = std::move(atr);
  return atr_;
}

Bytes RacsReader::transmit_raw(ByteView command_apdu) {
  return client_->apdu(seid_, command_apdu);
}

}  // namespace sesame::host::racs
