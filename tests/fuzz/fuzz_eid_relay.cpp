// The eID verification back end's session (services/eid_verifier/verification_session.h) on
// answers a front end relays: outside input. The input is a sequence of answers, each one byte of
// length then the bytes; the first byte picks how they reach the session:
//   0: as raw response APDUs (a malicious relay: nothing may verify unless it carries the MAC);
//   1: as plain answers a simulated card wraps under the session's keys (PACE keys, then the Chip
//      Authentication keys derived from the GENERAL AUTHENTICATE it received), so the fuzzer
//      reaches Chip Authentication and the file reading with arbitrary contents and status words.
// Invariants: the session never throws from on_response, ends failed or done, and in mode 0 never
// gets past the first answer.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "crypto/ec_key.h"
#include "iso7816/pace.h"
#include "iso7816/secure_messaging.h"
#include "iso7816/security_infos.h"
#include "services/eid_verifier/verification_session.h"
#include "util/error.h"
#include "util/tlv.h"

using namespace sesame;

namespace {

[[noreturn]] void violation(const char* what) {
  std::fprintf(stderr, "fuzz_eid_relay: invariant violated: %s\n", what);
  std::abort();
}

const crypto::EcPrivateKey& ca_key() {
  static const crypto::EcPrivateKey k = crypto::EcPrivateKey::from_scalar(
      crypto::Curve::brainpool_p256r1, SecureBytes(ByteView(Bytes(32, 0x11))));
  return k;
}

SecureBytes fixed(std::uint8_t b) {
  return SecureBytes(ByteView(Bytes(16, b)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool simulate = data[0] & 1;
  ByteView rest(data + 1, size - 1);
  services::eid::VerificationSession session(
      host::eid::EidHandover{iso7816::eid_dg14(ca_key().public_key()), fixed(1), fixed(2), Bytes(16, 0)},
      [](crypto::Curve c) {
        return crypto::EcPrivateKey::from_scalar(c, SecureBytes(ByteView(Bytes(32, 0x22))));
      });
  iso7816::SecureMessaging card(fixed(1), fixed(2));  // the card's side of the same session
  Bytes command = session.first_command();
  std::size_t answers = 0;
  while (!rest.empty()) {
    const std::size_t n = std::min<std::size_t>(rest[0], rest.size() - 1);
    const ByteView answer = rest.subspan(1, n);
    rest = rest.subspan(1 + n);
    Bytes raw(answer.begin(), answer.end());
    if (simulate) {
      iso7816::CommandApdu plain;
      try {
        plain = card.unwrap_command(iso7816::CommandApdu::parse(command));
      } catch (...) {
        violation("the card cannot open the session's own command");
      }
      iso7816::ResponseApdu r;
      if (raw.size() >= 2) {
        r.sw = static_cast<std::uint16_t>(raw[raw.size() - 2] << 8 | raw.back());
        r.data.assign(raw.begin(), raw.end() - 2);
      } else {
        r.sw = 0x9000;
      }
      raw = card.wrap_response(r).encode();
      if (plain.ins == 0x86 && r.sw == 0x9000) {  // CA: the card switches to the new keys
        try {
          const Tlv ga = parse_one(plain.data);
          const auto pk = crypto::EcPublicKey::from_point(ca_key().curve(), ga.require(0x80).value());
          iso7816::pace::SessionKeys keys =
              iso7816::pace::session_keys(crypto::ecdh(ca_key(), pk).view(), 16);
          card = iso7816::SecureMessaging(std::move(keys.k_enc), std::move(keys.k_mac));
        } catch (const Error&) {
          violation("the session sent a malformed GENERAL AUTHENTICATE");
        }
      }
    }
    services::eid::SessionStep step;
    try {
      step = session.on_response(raw);
    } catch (...) {
      violation("on_response threw");
    }
    ++answers;
    if (!simulate && step.kind == services::eid::SessionStep::Kind::command)
      violation("a relay without the keys got an answer accepted");
    if (step.kind != services::eid::SessionStep::Kind::command) {
      if (session.failed() == (step.kind == services::eid::SessionStep::Kind::done))
        violation("inconsistent end");
      return 0;
    }
    command = step.command;
  }
  return 0;
}
