#include "host/emv/issuer_scripts.h"

#include "crypto/emv_keys.h"
#include "crypto/emv_script.h"
#include "iso7816/emv_script.h"
#include "util/error.h"
#include "util/hex.h"
#include "util/tlv.h"

namespace sesame::host::emv {
namespace {

using Kind = ScriptCommand::Kind;

Bytes hex_arg(std::string_view text, const char* what) {
  try {
    return from_hex(std::string(text));
  } catch (const Error&) {
    fail(Errc::invalid_argument, std::string("script command: ") + what + " is not hex");
  }
}

}  // namespace

ScriptCommand ScriptCommand::parse(std::string_view text) {
  ScriptCommand c;
  const auto colon = text.find(':');
  const std::string_view verb = text.substr(0, colon);
  const std::string_view arg = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
  auto no_arg = [&] {
    if (colon != std::string_view::npos)
      fail(Errc::invalid_argument, "script command: " + std::string(verb) + " takes no argument");
  };
  if (verb == "block") {
    no_arg();
    c.kind = Kind::application_block;
  } else if (verb == "unblock") {
    no_arg();
    c.kind = Kind::application_unblock;
  } else if (verb == "pin-unblock") {
    no_arg();
    c.kind = Kind::pin_unblock;
  } else if (verb == "pin-change") {
    c.kind = Kind::pin_change;
    c.pin.assign(arg.begin(), arg.end());
    (void)crypto::emv::pin_block_format2(c.pin);  // validates: 4-12 digits
  } else if (verb == "reset-counters") {
    no_arg();
    c.kind = Kind::put_data;
    c.tag = 0xDF04;
    c.value = {0x00};
  } else if (verb == "put-data" || verb == "update-record") {
    const auto eq = arg.find('=');
    if (eq == std::string_view::npos)
      fail(Errc::invalid_argument, "script command: " + std::string(verb) + " needs X=HEX");
    c.value = hex_arg(arg.substr(eq + 1), "the value");
    if (verb == "put-data") {
      c.kind = Kind::put_data;
      const Bytes tag = hex_arg(arg.substr(0, eq), "the tag");
      if (tag.size() != 2) fail(Errc::invalid_argument, "script command: put-data needs a 2-byte tag");
      c.tag = (static_cast<std::uint32_t>(tag[0]) << 8) | tag[1];
    } else {
      c.kind = Kind::update_record;
      const std::string where(arg.substr(0, eq));
      const auto dot = where.find('.');
      try {
        if (dot == std::string::npos) throw std::invalid_argument("no dot");
        const int sfi = std::stoi(where.substr(0, dot)), rec = std::stoi(where.substr(dot + 1));
        if (sfi < 1 || sfi > 30 || rec < 1 || rec > 255) throw std::out_of_range("range");
        c.sfi = static_cast<std::uint8_t>(sfi);
        c.record = static_cast<std::uint8_t>(rec);
      } catch (const std::exception&) {
        fail(Errc::invalid_argument, "script command: update-record:SFI.RECORD=HEX, SFI 1-30, record 1-255");
      }
    }
  } else {
    fail(Errc::invalid_argument, "unknown script command: " + std::string(verb));
  }
  return c;
}

IssuerScriptHost::IssuerScriptHost(SecureBytes issuer_master_key_smi, SecureBytes issuer_master_key_smc)
    : smi_(std::move(issuer_master_key_smi)), smc_(std::move(issuer_master_key_smc)) {
  if (smi_.size() != 16 || smc_.size() != 16)
    fail(Errc::invalid_argument, "issuer host: script master keys must be 16 bytes");
}

Bytes IssuerScriptHost::command(const AuthorisationRequest& r, const ScriptCommand& c) const {
  if (r.arqc.size() != 8) fail(Errc::invalid_argument, "issuer host: scripts need the transaction's ARQC");
  const auto mk_smi = crypto::emv::derive_icc_master_key_a(smi_.view(), r.pan, r.psn);
  const auto mk_smc = crypto::emv::derive_icc_master_key_a(smc_.view(), r.pan, r.psn);
  const auto keys = iso7816::emv::script_session_keys(mk_smi.view(), mk_smc.view(), r.arqc);
  auto make = [&](std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, ByteView data,
                  bool enc) {
    return iso7816::emv::make_script_command(cla, ins, p1, p2, data, enc, keys, r.atc, r.arqc).encode();
  };
  switch (c.kind) {
    case Kind::application_block: return make(0x84, 0x1E, 0x00, 0x00, {}, false);
    case Kind::application_unblock: return make(0x84, 0x18, 0x00, 0x00, {}, false);
    case Kind::pin_unblock: return make(0x84, 0x24, 0x00, 0x00, {}, false);
    case Kind::pin_change: {
      const auto block = crypto::emv::pin_block_format2(c.pin);
      return make(0x84, 0x24, 0x00, 0x02, block.view(), true);
    }
    case Kind::put_data:
      return make(0x04, 0xDA, static_cast<std::uint8_t>(c.tag >> 8), static_cast<std::uint8_t>(c.tag),
                  c.value, false);
    case Kind::update_record:
      return make(0x04, 0xDC, c.record, static_cast<std::uint8_t>((c.sfi << 3) | 0x04), c.value, false);
  }
  fail(Errc::invalid_argument, "issuer host: unknown script command");
}

Bytes IssuerScriptHost::script(std::uint8_t tag, ByteView identifier, const AuthorisationRequest& r,
                               const std::vector<ScriptCommand>& commands) const {
  if (tag != 0x71 && tag != 0x72) fail(Errc::invalid_argument, "issuer host: script templates are 71 or 72");
  if (!identifier.empty() && identifier.size() != 4)
    fail(Errc::invalid_argument, "issuer host: script identifier is 4 bytes");
  Bytes body;
  if (!identifier.empty()) append_tlv(body, 0x9F18, identifier);
  for (const auto& c : commands) append_tlv(body, 0x86, command(r, c));
  return tlv_encode(tag, body);
}

}  // namespace sesame::host::emv
