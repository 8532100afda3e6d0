// The WSCA applet's command parsing (docs/WSCA.md) behind the card runtime. Every input starts on a
// fresh card whose WSCA holds unit 1, activated with a device key the harness owns and PIN 123456,
// so the fuzzer reaches the commands behind the device signature too. The input is a sequence of:
//   0 L ins p1 data..   a WSCA command (CLA 80, P2 00) with L-2 data bytes (extended when > 255)
//   1 L pin..           AUTHENTICATE unit 1 with that PIN, correctly signed and sealed by the harness
//   2 L apdu..          a raw command APDU (any class, any channel)
//   3                   reselect the applet (clears the session)
// (opcodes modulo 4; L is one byte). Invariants: nothing throws; every response ends in a status
// word with SW1 in 61..6F or 90..9F and carries no data after an error. SESAME_FUZZ_TRACE=1 prints
// every command's status word.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "applets/builtin.h"
#include "applets/wsca/wsca_applet.h"
#include "card/card_service.h"
#include "crypto/ec_key.h"
#include "crypto/ecdh_envelope.h"
#include "crypto/ecdsa.h"
#include "crypto/random.h"
#include "iso7816/apdu.h"
#include "iso7816/wsca_protocol.h"
#include "store/memory_store.h"
#include "util/tlv.h"

using namespace sesame;
using namespace sesame::iso7816::wsca;

namespace {

[[noreturn]] void violation(const char* what) {
  std::fprintf(stderr, "fuzz_wsca_apdu: invariant violated: %s\n", what);
  std::abort();
}

constexpr const char* kSeid = "fuzz-wsca";

struct World {
  card::AppletRegistry registry = applets::builtin_registry();
  std::unique_ptr<store::Store> store = store::open_memory_store(crypto::random_secret(32));
  card::CardService service{*store, registry};
  crypto::EcPrivateKey device = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  bool trace = std::getenv("SESAME_FUZZ_TRACE") != nullptr;

  Bytes send(const iso7816::CommandApdu& c) {
    const Bytes r = service.transmit(kSeid, c.encode());
    if (r.size() < 2) violation("response shorter than SW1 SW2");
    const std::uint8_t sw1 = r[r.size() - 2];
    if (!((sw1 >= 0x61 && sw1 <= 0x6F) || (sw1 >= 0x90 && sw1 <= 0x9F)))
      violation("SW1 outside 61..6F, 90..9F");
    if (sw1 >= 0x64 && sw1 <= 0x6F && r.size() != 2) violation("data with an error status word");
    if (trace)
      std::fprintf(stderr, "%02X %02X -> %02X%02X\n", c.cla, c.ins, r[r.size() - 2], r[r.size() - 1]);
    return r;
  }
  Bytes command(Ins ins, ByteView data, std::uint8_t p1 = 0) {
    iso7816::CommandApdu c;
    c.cla = kCla;
    c.ins = static_cast<std::uint8_t>(ins);
    c.p1 = p1;
    c.data.assign(data.begin(), data.end());
    c.ne = 65536;
    return send(c);
  }
  void select() {
    iso7816::CommandApdu c;
    c.ins = 0xA4;
    c.p1 = 0x04;
    c.p2 = 0x0C;
    c.data = applets::wsca::module().default_instance_aid;
    send(c);
  }
  // A correctly signed and sealed AUTHENTICATE / ACTIVATE of unit 1 carrying `pin`.
  void signed_pin(Ins ins, ByteView pin) {
    const Bytes unit = tlv_encode(tag::unit_id, Bytes{0, 0, 0, 1});
    Bytes info = command(Ins::get_unit_info, unit);
    Bytes chal = command(Ins::get_challenge, unit);
    if (info.size() < 2 || chal.size() != kChallengeSize + 2) return;
    info.resize(info.size() - 2);
    chal.resize(kChallengeSize);
    const auto ka = crypto::EcPublicKey::from_point(crypto::Curve::p256,
                                                    parse_one(info).require(tag::ka_public_key).value());
    const auto env = crypto::ecdh_envelope_seal(ka, chal, as_bytes(kEnvelopeInfo), envelope_aad(ins, 1),
                                                tlv_encode(envelope_tag::pin, pin));
    Bytes d = unit;
    if (ins == Ins::activate) append_tlv(d, tag::device_key, device.public_key().to_uncompressed_point());
    append_tlv(d, tag::ephemeral_key, env.ephemeral_point);
    append_tlv(d, tag::envelope, concat({env.iv, env.box}));
    append_tlv(d, tag::signature,
               crypto::ecdsa_sign(device, crypto::SignatureHash::sha256, auth_signing_input(ins, chal, d),
                                  crypto::EcdsaFormat::raw));
    command(ins, d);
  }

  World() {
    service.create_card({kSeid, ""});
    service.install_applet(kSeid, applets::wsca::kModuleName, applets::wsca::module().default_instance_aid,
                           {});
    select();
    command(Ins::create_unit, tlv_encode(tag::puk, as_bytes("12345678")));
    signed_pin(Ins::activate, as_bytes("123456"));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    World w;
    std::size_t i = 0;
    while (i < size) {
      const std::uint8_t op = data[i++] % 4;
      if (op == 3) {
        w.select();
        continue;
      }
      if (i >= size) break;
      const std::size_t len = data[i++];
      const std::size_t n = std::min(len, size - i);
      const ByteView body(data + i, n);
      i += n;
      if (op == 0) {
        if (body.size() < 2) continue;
        w.command(static_cast<Ins>(body[0]), body.subspan(2), body[1]);
      } else if (op == 1) {
        w.signed_pin(Ins::authenticate, body);
      } else {
        w.service.transmit(kSeid, body);  // malformed APDUs get their status word, never an exception
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_wsca_apdu: exception escaped: %s\n", e.what());
    std::abort();
  }
  return 0;
}
