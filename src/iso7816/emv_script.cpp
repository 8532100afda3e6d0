#include "iso7816/emv_script.h"

#include "crypto/emv_keys.h"
#include "crypto/emv_script.h"
#include "util/error.h"

namespace sesame::iso7816::emv {

ScriptSessionKeys script_session_keys(ByteView icc_master_key_smi, ByteView icc_master_key_smc,
                                      ByteView arqc) {
  if (arqc.size() != 8) fail(Errc::invalid_argument, "issuer script: the ARQC must be 8 bytes");
  return {crypto::emv::derive_common_session_key(icc_master_key_smi, arqc),
          crypto::emv::derive_common_session_key(icc_master_key_smc, arqc)};
}

Bytes script_mac_input(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, ByteView data,
                       std::uint16_t atc, ByteView arqc) {
  const std::size_t lc = data.size() + crypto::emv::kScriptMacSize;
  if (lc > 255) fail(Errc::invalid_argument, "issuer script: command data too long");
  Bytes in{cla,
           ins,
           p1,
           p2,
           static_cast<std::uint8_t>(lc),
           static_cast<std::uint8_t>(atc >> 8),
           static_cast<std::uint8_t>(atc)};
  append(in, arqc);
  append(in, data);
  return in;
}

CommandApdu make_script_command(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2,
                                ByteView data, bool encipher, const ScriptSessionKeys& keys,
                                std::uint16_t atc, ByteView arqc) {
  Bytes body =
      encipher ? crypto::emv::encipher_script_data(keys.smc.view(), data) : Bytes(data.begin(), data.end());
  const Bytes mac =
      crypto::emv::script_mac(keys.smi.view(), script_mac_input(cla, ins, p1, p2, body, atc, arqc));
  append(body, mac);
  return {cla, ins, p1, p2, std::move(body), 0, false};
}

std::optional<SecureBytes> open_script_command(const CommandApdu& c, bool enciphered,
                                               const ScriptSessionKeys& keys, std::uint16_t atc,
                                               ByteView arqc) {
  if (c.data.size() < crypto::emv::kScriptMacSize || c.data.size() > 255) return std::nullopt;
  const ByteView all = c.data;
  const ByteView body = all.first(all.size() - crypto::emv::kScriptMacSize);
  const ByteView mac = all.last(crypto::emv::kScriptMacSize);
  const Bytes expect =
      crypto::emv::script_mac(keys.smi.view(), script_mac_input(c.cla, c.ins, c.p1, c.p2, body, atc, arqc));
  if (!secure_equal(expect, mac)) return std::nullopt;
  if (!enciphered) return SecureBytes(body);
  try {
    return crypto::emv::decipher_script_data(keys.smc.view(), body);
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace sesame::iso7816::emv
