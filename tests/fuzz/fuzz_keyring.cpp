// The keyring-scd applet's command parsing (docs/SIGNING.md) and the two keyring formats read from
// outside: the activation package (host/keyring) and the proof of transaction (iso7816). The first
// input byte chooses:
//   0   the rest is decoded as an activation package (must throw Error(Errc::parse) or decode)
//   1   the rest is decoded as a receipt (likewise)
//   2+  the rest is a sequence of keyring-scd commands "L ins data.." (L-1 data bytes, CLA 80,
//       P1 P2 00) sent to a fresh card whose applet holds one created keyring (id 16 x 0x11)
// Invariants: nothing but Error escapes the decoders; the card never throws and every response
// ends in a status word with SW1 in 61..6F or 90..9F and carries no data after an error.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "applets/builtin.h"
#include "applets/keyring/keyring_applet.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "crypto/spake2plus.h"
#include "host/keyring/keyring_types.h"
#include "iso7816/apdu.h"
#include "iso7816/keyring_protocol.h"
#include "store/memory_store.h"
#include "util/error.h"
#include "util/tlv.h"

using namespace sesame;
namespace kp = sesame::iso7816::keyring;

namespace {

[[noreturn]] void violation(const char* what) {
  std::fprintf(stderr, "fuzz_keyring: invariant violated: %s\n", what);
  std::abort();
}

constexpr const char* kSeid = "fuzz-keyring";

struct World {
  card::AppletRegistry registry = applets::builtin_registry();
  std::unique_ptr<store::Store> store = store::open_memory_store(crypto::random_secret(32));
  card::CardService service{*store, registry};

  Bytes send(const iso7816::CommandApdu& c) {
    const Bytes r = service.transmit(kSeid, c.encode());
    if (r.size() < 2) violation("response shorter than SW1 SW2");
    const std::uint8_t sw1 = r[r.size() - 2];
    if (!((sw1 >= 0x61 && sw1 <= 0x6F) || (sw1 >= 0x90 && sw1 <= 0x9F)))
      violation("SW1 outside 61..6F, 90..9F");
    if (sw1 >= 0x64 && sw1 <= 0x6F && r.size() != 2) violation("data with an error status word");
    return r;
  }

  World() {
    const Bytes aid = applets::keyring::module().default_instance_aid;
    service.create_card({kSeid, ""});
    service.install_applet(kSeid, applets::keyring::kModuleName, aid, {});
    send(iso7816::CommandApdu{0x00, 0xA4, 0x04, 0x0C, aid, 0, false});
    const Bytes id(16, 0x11), salt(16, 0x22);
    crypto::ScryptParams sp;
    sp.n = 1024;
    const auto rec =
        crypto::spake2plus::make_verifier_record(crypto::spake2plus::prover_secret_from_pbkdf_output(
            crypto::spake2plus::stretch_password(as_bytes("123412341234"), salt, kp::activation_context(id),
                                                 sp)
                .view()));
    Bytes d = tlv_encode(kp::tag::keyring_id, id);
    append_tlv(d, kp::tag::policy, Bytes{3, 6});
    append_tlv(d, kp::tag::record_w0, rec.w0.view());
    append_tlv(d, kp::tag::record_l, rec.l);
    send(iso7816::CommandApdu{0x80, static_cast<std::uint8_t>(kp::Ins::create), 0, 0, d, 256, false});
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView rest(data + 1, size - 1);
  if (data[0] == 0 || data[0] == 1) {
    try {
      if (data[0] == 0)
        host::keyring::decode_package(rest);
      else
        kp::decode_receipt(rest);
    } catch (const Error&) {
    }
    return 0;
  }
  World w;
  std::size_t i = 0;
  while (i < rest.size()) {
    const std::size_t len = rest[i++];
    if (len == 0 || i + len > rest.size()) break;
    iso7816::CommandApdu c;
    c.cla = kp::kCla;
    c.ins = rest[i];
    c.data.assign(rest.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                  rest.begin() + static_cast<std::ptrdiff_t>(i + len));
    c.ne = 65536;
    w.send(c);
    i += len;
  }
  return 0;
}
