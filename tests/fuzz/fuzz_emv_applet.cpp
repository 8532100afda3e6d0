// The EMV payment applet, the PPSE and the CRS application through CardService. Inputs run on one personalised payment
// applet (re-personalised when its ATC nears the end); an input is a sequence of operations
// (opcode modulo 6):
//   0 L apdu        transmit the next L bytes as they are
//   1 L data        GET PROCESSING OPTIONS with '83' L data (PDOL related data of any length)
//   2 P1 L data     GENERATE AC with P1 and L bytes of CDOL data
//   3               SELECT the payment application     4   SELECT the PPSE
//   5               a well-formed GPO
// Invariants: nothing throws; every response has SW1 SW2; the ATC never decreases; no ATC ever has
// more than two cryptograms (first and second GENERATE AC of one transaction), and no first
// cryptogram (CVR byte 1 "second GENERATE AC not requested") reuses the ATC of an earlier one.
// SESAME_FUZZ_TRACE=1 prints every exchange.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "applets/builtin.h"
#include "applets/emv/emv_applets.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "host/emv/test_pki.h"
#include "store/memory_store.h"
#include "util/error.h"
#include "util/hex.h"
#include "util/tlv.h"

using namespace sesame;

namespace {

[[noreturn]] void violation(const char* what) {
  std::fprintf(stderr, "fuzz_emv_applet: invariant violated: %s\n", what);
  std::abort();
}

constexpr const char* kSeid = "fuzz-emv";

struct World {
  card::AppletRegistry registry = applets::builtin_registry();
  std::unique_ptr<store::Store> store = store::open_memory_store(crypto::random_secret(32));
  card::CardService service{*store, registry};
  SecureString profile;
  World() {
    iso7816::emv::CardData c;
    c.pan = "5413330089010608";
    c.psn = "01";
    c.expiry = "301231";
    host::emv::PkiOptions o;
    o.ca_bits = 1024;
    o.issuer_bits = 1024;
    o.icc_bits = 1024;
    const auto pki = host::emv::make_test_pki(c, o);
    host::emv::ProfileOptions po;  // with issuer script keys: the script paths before the MAC check
    po.issuer_master_key_smi = SecureBytes(Bytes(16, 0x22));
    po.issuer_master_key_smc = SecureBytes(Bytes(16, 0x33));
    profile = host::emv::make_profile_json(c, &pki, SecureBytes(Bytes(16, 0x11)), po);
    service.create_card({kSeid, ""});
    service.install_applet(kSeid, applets::emv::kPpseModule, applets::emv::kPpseAid, {});
    service.install_applet(kSeid, applets::emv::kCrsModule, applets::emv::kCrsAid, {});  // SET/GET STATUS by raw APDUs
  }
};

World& world() {
  static World w;
  return w;
}

// SESAME_FUZZ_TRACE=1 prints every exchange (to turn a finding into a unit test).
bool tracing() {
  static const bool on = std::getenv("SESAME_FUZZ_TRACE") != nullptr;
  return on;
}

Bytes transmit(ByteView command) {
  Bytes r;
  try {
    r = world().service.transmit(kSeid, command);
  } catch (...) {
    violation("transmit threw");
  }
  if (r.size() < 2) violation("response shorter than SW1 SW2");
  if (tracing()) std::fprintf(stderr, "> %s\n< %s\n", to_hex(command).c_str(), to_hex(r).c_str());
  return r;
}

std::uint16_t read_atc() {
  const Bytes r = transmit(from_hex("80CA9F3600"));
  if (r.size() != 7 || r[5] != 0x90) violation("GET DATA ATC failed");
  return get_u16(r, 3);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& w = world();
  const Bytes select_payment = from_hex("00A4040007A000000004101000");
  // A fresh personalisation now and then (installing costs more than most inputs): before the
  // first input and when the ATC nears its end.
  const Bytes selected = transmit(select_payment);
  if (selected.size() == 2 || read_atc() > 0xF000) {
    try {
      w.service.delete_applet(kSeid, applets::emv::kMastercardAid);
    } catch (const Error&) {
    }
    w.service.install_applet(kSeid, applets::emv::kPaymentModule, applets::emv::kMastercardAid, as_bytes(w.profile));
    transmit(select_payment);
  }
  std::uint16_t last_atc = read_atc();
  std::map<std::uint16_t, int> cryptograms;
  std::size_t i = 0;
  auto take = [&](std::size_t n) {
    n = std::min(n, size - i);
    ByteView v(data + i, n);
    i += n;
    return v;
  };
  while (i < size) {
    const std::uint8_t op = data[i++] % 6;
    Bytes cmd;
    switch (op) {
      case 0: {
        const std::size_t n = i < size ? data[i++] : 0;
        const auto v = take(n);
        cmd.assign(v.begin(), v.end());
        break;
      }
      case 1: {
        const std::size_t n = i < size ? data[i++] : 0;
        const auto v = take(n);
        Bytes body{0x83, static_cast<std::uint8_t>(v.size())};
        append(body, v);
        cmd = {0x80, 0xA8, 0x00, 0x00, static_cast<std::uint8_t>(std::min<std::size_t>(body.size(), 255))};
        body.resize(std::min<std::size_t>(body.size(), 255));
        append(cmd, body);
        cmd.push_back(0x00);
        break;
      }
      case 2: {
        const std::uint8_t p1 = i < size ? data[i++] : 0x80;
        const std::size_t n = i < size ? data[i++] : 0;
        const auto v = take(n);
        cmd = {0x80, 0xAE, p1, 0x00, static_cast<std::uint8_t>(v.size())};
        append(cmd, v);
        cmd.push_back(0x00);
        if (v.empty()) cmd = {0x80, 0xAE, p1, 0x00, 0x00};
        break;
      }
      case 3: cmd = select_payment; break;
      case 4: cmd = from_hex("00A404000E325041592E5359532E444446303100"); break;
      default: cmd = from_hex("80A80000078305025009782200"); break;
    }
    const Bytes r = transmit(cmd);
    if (cmd.size() > 1 && cmd[1] == 0xAE && r.size() > 2 && r[r.size() - 2] == 0x90) {
      // A cryptogram left the card: count it against its ATC.
      try {
        const Tlv t = parse_one(ByteView(r).first(r.size() - 2));
        const Tlv* atc = t.find(0x9F36);
        const Tlv* iad = t.find(0x9F10);
        if (!atc || atc->value().size() != 2 || !iad || iad->value().size() != 8) violation("malformed GENERATE AC response");
        const std::uint16_t a = get_u16(atc->value());
        const bool first = (iad->value()[2] & 0xC0) == 0x80;  // CVR: second GENERATE AC not requested
        if (first && cryptograms.contains(a)) violation("a first cryptogram for an ATC already used");
        if (++cryptograms[a] > 2) violation("more than two cryptograms for one ATC");
      } catch (const Error&) {
        violation("unparseable GENERATE AC response");
      }
    }
  }
  transmit(select_payment);
  if (read_atc() < last_atc) violation("the ATC went back");
  return 0;
}
