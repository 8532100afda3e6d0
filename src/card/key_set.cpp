#include "card/key_set.h"

#include <algorithm>
#include <cstdio>

#include "card/card_state.h"
#include "iso7816/gp_key_data.h"
#include "iso7816/status_word.h"
#include "util/error.h"

namespace sesame::card {
namespace {

constexpr const char* kKeysPrefix = "scp03/keys/";

std::string hex2(std::uint8_t v) {
  char b[3];
  std::snprintf(b, sizeof b, "%02X", v);
  return b;
}

// Record: K-ENC || K-MAC || K-DEK, all of one length (16, 24 or 32).
SecureBytes encode(const iso7816::scp03::StaticKeys& k) {
  const std::size_t n = k.enc.size();
  if ((n != 16 && n != 24 && n != 32) || k.mac.size() != n || k.dek.size() != n)
    fail(Errc::invalid_argument, "SCP03 key set: three AES keys of one length");
  SecureBytes out;
  out.append(k.enc.view());
  out.append(k.mac.view());
  out.append(k.dek.view());
  return out;
}

}  // namespace

iso7816::scp03::StaticKeys gp_test_keys() {
  SecureBytes k;
  for (std::uint8_t b = 0x40; b <= 0x4F; ++b) k.push_back(b);
  return {k, k, k};
}

std::string key_set_record(std::uint8_t version) { return kKeysPrefix + hex2(version); }
std::string sequence_counter_record(std::uint8_t version) { return "scp03/seq/" + hex2(version); }

std::optional<iso7816::scp03::StaticKeys> load_key_set(const Persistent& isd, std::uint8_t version) {
  const SecureBytes* rec = isd.view(key_set_record(version));
  if (!rec) return std::nullopt;
  const std::size_t n = rec->size() / 3;
  if (rec->size() % 3 != 0 || (n != 16 && n != 24 && n != 32)) fail(Errc::integrity, "SCP03 key set record does not decode");
  const ByteView v = rec->view();
  return iso7816::scp03::StaticKeys{SecureBytes(v.subspan(0, n)), SecureBytes(v.subspan(n, n)), SecureBytes(v.subspan(2 * n, n))};
}

void store_key_set(Persistent& isd, std::uint8_t version, const iso7816::scp03::StaticKeys& keys) {
  isd.put(key_set_record(version), encode(keys));
}

std::vector<std::uint8_t> key_versions(const Persistent& isd) {
  std::vector<std::uint8_t> out;
  for (const auto& k : isd.keys(kKeysPrefix)) {
    const std::string v = k.substr(std::string(kKeysPrefix).size());
    if (v.size() == 2) out.push_back(static_cast<std::uint8_t>(std::stoul(v, nullptr, 16)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::uint32_t sequence_counter(const Persistent& isd, std::uint8_t version) {
  const SecureBytes* rec = isd.view(sequence_counter_record(version));
  if (!rec) return 0;
  if (rec->size() != 3) fail(Errc::integrity, "SCP03 sequence counter record does not decode");
  const ByteView v = rec->view();
  return (std::uint32_t{v[0]} << 16) | (std::uint32_t{v[1]} << 8) | v[2];
}

std::string authentication_failures_record(std::uint8_t version) { return "scp03/fail/" + hex2(version); }

std::uint8_t authentication_failures(const Persistent& isd, std::uint8_t version) {
  const SecureBytes* rec = isd.view(authentication_failures_record(version));
  if (!rec) return 0;
  if (rec->size() != 1) fail(Errc::integrity, "SCP03 failure counter record does not decode");
  return rec->view()[0];
}

iso7816::ResponseApdu put_key(const iso7816::CommandApdu& apdu, Persistent& isd, std::uint8_t session_kvn) {
  using iso7816::Sw;
  using iso7816::throw_sw;
  constexpr std::uint16_t kSwAlgorithmNotSupported = 0x9484;  // GP Table 11-75
  constexpr std::uint16_t kSwInvalidKeyCheckValue = 0x9485;
  if ((apdu.p1 & 0x80) != 0 || apdu.p2 != 0x81) throw_sw(Sw::incorrect_p1p2);
  const std::uint8_t replace = apdu.p1 & 0x7F;
  if (replace != 0 && !isd.contains(key_set_record(replace))) throw_sw(Sw::referenced_data_not_found);
  const auto session_keys = load_key_set(isd, session_kvn);
  if (!session_keys) throw_sw(Sw::conditions_not_satisfied);  // the session's key set was replaced meanwhile
  iso7816::gp::PutKeyData d;
  try {
    d = iso7816::gp::decode_put_key_data(apdu.data, session_keys->dek.view());
  } catch (const Error& e) {
    if (e.code() == Errc::crypto) throw_sw(kSwInvalidKeyCheckValue);
    if (e.code() == Errc::invalid_argument) throw_sw(kSwAlgorithmNotSupported);
    throw_sw(Sw::incorrect_data);
  }
  if (d.new_kvn == 0 || d.new_kvn > 0x7F) throw_sw(Sw::incorrect_data);
  if (d.new_kvn != replace && isd.contains(key_set_record(d.new_kvn))) throw_sw(Sw::incorrect_data);
  if (replace != 0) {
    const std::uint32_t counter = sequence_counter(isd, replace);
    isd.erase(key_set_record(replace));
    if (isd.contains(sequence_counter_record(replace))) isd.erase(sequence_counter_record(replace));
    if (isd.contains(authentication_failures_record(replace))) isd.erase(authentication_failures_record(replace));  // new keys, new count
    if (counter != 0)
      isd.put(sequence_counter_record(d.new_kvn),
              SecureBytes{static_cast<std::uint8_t>(counter >> 16), static_cast<std::uint8_t>(counter >> 8), static_cast<std::uint8_t>(counter)});
  }
  store_key_set(isd, d.new_kvn, d.keys);
  iso7816::ResponseApdu r;
  r.data.push_back(d.new_kvn);
  append(r.data, d.check_values);
  return r;
}

std::vector<store::Change> default_key_set_changes() {
  return {store::Change{aid_key_prefix(isd_aid()) + key_set_record(kDefaultKeyVersion), encode(gp_test_keys())}};
}

}  // namespace sesame::card
