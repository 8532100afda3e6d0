#include "host/gp/put_key.h"

#include "iso7816/gp_key_data.h"
#include "iso7816/status_word.h"
#include "util/error.h"

namespace sesame::host::gp {

void put_key(Scp03Session& session, std::uint8_t replace_kvn, std::uint8_t new_kvn, const iso7816::scp03::StaticKeys& keys) {
  if (replace_kvn > 0x7F || new_kvn == 0 || new_kvn > 0x7F) fail(Errc::invalid_argument, "PUT KEY: key versions are 01-7F");
  const Bytes data = iso7816::gp::encode_put_key_data(new_kvn, keys, session.static_dek().view());
  const iso7816::ResponseApdu r = session.transmit({0x80, 0xD8, replace_kvn, 0x81, data, 256, false});
  if (!r.ok()) fail(Errc::state, "PUT KEY refused: " + iso7816::sw_name(r.sw));
  Bytes expected{new_kvn};
  append(expected, iso7816::gp::key_check_value(keys.enc.view()));
  append(expected, iso7816::gp::key_check_value(keys.mac.view()));
  append(expected, iso7816::gp::key_check_value(keys.dek.view()));
  if (r.data != expected) fail(Errc::crypto, "PUT KEY: the card's key check values do not match the keys sent");
}

}  // namespace sesame::host::gp
