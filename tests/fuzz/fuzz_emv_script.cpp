// Issuer script parsers. The first byte chooses (modulo 3):
//   0  the card's side of a script command: CommandApdu::parse, then open_script_command (MAC
//      check, decipherment) with fixed session keys — never throws, and never accepts a command
//      whose MAC it did not check (fixed keys: a random input cannot carry a valid MAC)
//   1  the PIN block and decipherment parsers: only sesame::Error
//   2  the kernel's issuer script handling: an online transaction against a hosted payment card whose
//      issuer answers an approval with the rest of the input as its script templates (71/72) —
//      run_transaction never throws, and 9F5B has 5 bytes per script
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "applets/builtin.h"
#include "applets/emv/emv_applets.h"
#include "card/card_service.h"
#include "crypto/emv_script.h"
#include "crypto/random.h"
#include "host/emv/kernel.h"
#include "host/emv/test_pki.h"
#include "host/in_process_reader.h"
#include "iso7816/emv_script.h"
#include "store/memory_store.h"
#include "util/error.h"

using namespace sesame;

namespace {

[[noreturn]] void violation(const char* what) {
  std::fprintf(stderr, "fuzz_emv_script: invariant violated: %s\n", what);
  std::abort();
}

constexpr const char* kSeid = "fuzz-emv-script";

struct World {
  card::AppletRegistry registry = applets::builtin_registry();
  std::unique_ptr<store::Store> store = store::open_memory_store(crypto::random_secret(32));
  card::CardService service{*store, registry};
  SecureBytes imk{SecureBytes(Bytes(16, 0x11))};
  World() {
    iso7816::emv::CardData c;
    c.pan = "5413330089010608";
    c.psn = "01";
    c.expiry = "491231";
    host::emv::ProfileOptions po;
    po.issuer_master_key_smi = SecureBytes(Bytes(16, 0x22));
    po.issuer_master_key_smc = SecureBytes(Bytes(16, 0x33));
    po.script_failure_limit = 15;
    service.create_card({kSeid, ""});
    service.install_applet(kSeid, applets::emv::kPpseModule, applets::emv::kPpseAid, {});
    const auto profile = host::emv::make_profile_json(c, nullptr, imk, po);
    service.install_applet(kSeid, applets::emv::kPaymentModule, applets::emv::kMastercardAid,
                           as_bytes(profile));
  }
};

World& world() {
  static World w;
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView in(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      static const iso7816::emv::ScriptSessionKeys keys{SecureBytes(Bytes(16, 0x44)),
                                                        SecureBytes(Bytes(16, 0x55))};
      iso7816::CommandApdu c;
      try {
        c = iso7816::CommandApdu::parse(in);
      } catch (const Error&) {
        return 0;
      }
      try {
        const Bytes arqc(8, 0x66);
        if (iso7816::emv::open_script_command(c, (data[0] & 0x80) != 0, keys, 1, arqc)) {
          // Possible only with the keys: a fuzzer that finds one has found a MAC forgery.
          violation("a script command opened without a valid MAC");
        }
      } catch (...) {
        violation("open_script_command threw");
      }
      break;
    }
    case 1: try { (void)crypto::emv::pin_from_block_format2(in);
      } catch (const Error&) {
      }
      try {
        (void)crypto::emv::decipher_script_data(Bytes(16, 0x55), in);
      } catch (const Error&) {
      }
      break;
    default: {
      auto& w = world();
      host::InProcessReader reader(w.service, kSeid);
      host::emv::TerminalConfig terminal;
      terminal.tac_online = Bytes{0, 0, 0, 0x80, 0};  // floor limit 0: online
      terminal.select_blocked = true;                 // scripts may block the application
      host::emv::Transaction txn;
      txn.amount = 100;
      txn.date = "261207";
      const Bytes scripts(in.begin(), in.end());
      const host::emv::IssuerHost issuer(w.imk, 1);
      try {
        const auto o =
            host::emv::run_transaction(reader, terminal, txn, [&](const host::emv::AuthorisationRequest& r) {
              auto resp = issuer.authorise(r);
              resp.issuer_scripts = scripts;
              return std::optional<host::emv::AuthorisationResponse>(resp);
            });
        if (o.tvr.size() != 5 || o.issuer_script_results.size() % 5 != 0) violation("TVR or 9F5B size");
      } catch (...) {
        violation("run_transaction threw");
      }
    }
  }
  return 0;
}
