#include "host/eid/sm_channel.h"

#include "util/error.h"

namespace sesame::host::eid {

SmChannel::SmChannel(Reader& reader, SecureBytes k_enc, SecureBytes k_mac)
    : reader_(&reader), k_enc_(k_enc), k_mac_(k_mac), sm_(std::move(k_enc), std::move(k_mac)) {}

iso7816::ResponseApdu SmChannel::transmit(const iso7816::CommandApdu& plain) {
  if (broken_) fail(Errc::state, "secure messaging: the session has ended");
  broken_ = true;  // until the exchange completes
  const iso7816::CommandApdu wrapped = sm_.wrap_command(plain);
  const iso7816::ResponseApdu r = reader_->transmit(wrapped);
  iso7816::ResponseApdu out = sm_.unwrap_response(r);
  broken_ = false;
  return out;
}

}  // namespace sesame::host::eid
