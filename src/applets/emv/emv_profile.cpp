#include "applets/emv/emv_profile.h"

#include <nlohmann/json.hpp>

#include "crypto/emv_keys.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame::applets::emv {
namespace {

using nlohmann::json;

std::string text(const json& j, const char* key, std::string def, std::size_t min, std::size_t max) {
  if (!j.contains(key)) return def;
  if (!j.at(key).is_string()) fail(Errc::parse, std::string("profile: ") + key + " must be a string");
  std::string v = j.at(key).get<std::string>();
  if (v.size() < min || v.size() > max)
    fail(Errc::invalid_argument, std::string("profile: ") + key + " has the wrong length");
  return v;
}

std::string digits(const json& j, const char* key, std::string def, std::size_t min, std::size_t max) {
  std::string v = text(j, key, std::move(def), min, max);
  for (char c : v)
    if (c < '0' || c > '9') fail(Errc::invalid_argument, std::string("profile: ") + key + " must be digits");
  return v;
}

Bytes hex_field(const json& j, const char* key, std::size_t min, std::size_t max) {
  const std::string h = text(j, key, "", 0, 2 * 4096);
  Bytes v;
  try {
    v = from_hex(h);
  } catch (const Error&) {
    fail(Errc::invalid_argument, std::string("profile: ") + key + " is not hex");
  }
  if (v.size() < min || v.size() > max) fail(Errc::invalid_argument, std::string("profile: ") + key + " has the wrong size");
  return v;
}

std::uint64_t number(const json& j, const char* key, std::uint64_t def, std::uint64_t min, std::uint64_t max) {
  if (!j.contains(key)) return def;
  if (!j.at(key).is_number_unsigned()) fail(Errc::parse, std::string("profile: ") + key + " must be a non-negative integer");
  const auto v = j.at(key).get<std::uint64_t>();
  if (v < min || v > max) fail(Errc::invalid_argument, std::string("profile: ") + key + " out of range");
  return v;
}

// Key material: decoded into zeroizing memory, the temporary wiped.
SecureBytes secret_field(const json& j, const char* key, std::size_t min, std::size_t max) {
  Bytes v = hex_field(j, key, min, max);
  SecureBytes out(v);
  secure_zero(v.data(), v.size());
  return out;
}

const json& object(const json& j, const char* key) {
  static const json empty = json::object();
  if (!j.contains(key)) return empty;
  if (!j.at(key).is_object()) fail(Errc::parse, std::string("profile: ") + key + " must be an object");
  return j.at(key);
}

}  // namespace

Profile parse_profile(std::string_view text_in) {
  json j;
  // The parsed document holds the keys' hex text: wipe it whatever happens.
  struct Wipe {
    json& j;
    ~Wipe() {
      if (!j.is_object() || !j.contains("keys") || !j["keys"].is_object()) return;
      for (auto& [k, v] : j["keys"].items())
        if (v.is_string()) wipe(v.get_ref<std::string&>());
    }
  } wipe_keys{j};
  try {
    j = json::parse(text_in);
  } catch (const json::exception&) {
    fail(Errc::parse, "profile: not valid JSON");
  }
  if (!j.is_object()) fail(Errc::parse, "profile: not a JSON object");
  Profile p;
  auto& c = p.card;
  c.pan = digits(j, "pan", "", 12, 19);
  c.psn = digits(j, "psn", "00", 2, 2);
  c.expiry = digits(j, "expiry", "", 6, 6);
  c.effective = digits(j, "effective", "", 0, 6);
  if (!c.effective.empty() && c.effective.size() != 6) fail(Errc::invalid_argument, "profile: effective must be YYMMDD");
  c.issuer_country = digits(j, "issuer_country", "0250", 4, 4);
  c.currency = digits(j, "currency", "0978", 4, 4);
  p.label = text(j, "label", p.label, 1, 16);
  p.priority = static_cast<std::uint8_t>(number(j, "priority", 1, 1, 15));
  p.language = text(j, "language", p.language, 2, 8);
  p.cardholder_name = text(j, "name", "", 0, 26);
  p.arpc_method = static_cast<std::uint8_t>(number(j, "arpc_method", 1, 1, 2));
  p.pin_try_limit = static_cast<std::uint8_t>(number(j, "pin_try_limit", 3, 1, 15));

  const json& iac = object(j, "iac");
  if (iac.contains("default")) c.iac_default = hex_field(iac, "default", 5, 5);
  if (iac.contains("denial")) c.iac_denial = hex_field(iac, "denial", 5, 5);
  if (iac.contains("online")) c.iac_online = hex_field(iac, "online", 5, 5);

  const json& lim = object(j, "limits");
  p.limits.lower_consecutive = static_cast<std::uint8_t>(number(lim, "lower_consecutive_offline", 3, 0, 255));
  p.limits.upper_consecutive = static_cast<std::uint8_t>(number(lim, "upper_consecutive_offline", 5, 0, 255));
  p.limits.lower_cumulative_amount = number(lim, "lower_cumulative_amount", 5000, 0, 999999999999ull);
  p.limits.upper_cumulative_amount = number(lim, "upper_cumulative_amount", 10000, 0, 999999999999ull);
  if (p.limits.lower_consecutive > p.limits.upper_consecutive ||
      p.limits.lower_cumulative_amount > p.limits.upper_cumulative_amount)
    fail(Errc::invalid_argument, "profile: a lower limit is above its upper limit");

  const json& keys = object(j, "keys");
  if (keys.contains("icc_master_key_ac") == keys.contains("issuer_master_key_ac"))
    fail(Errc::invalid_argument, "profile: keys needs exactly one of icc_master_key_ac, issuer_master_key_ac");
  if (keys.contains("icc_master_key_ac")) {
    p.icc_master_key_ac = secret_field(keys, "icc_master_key_ac", 16, 16);
  } else {
    const SecureBytes imk = secret_field(keys, "issuer_master_key_ac", 16, 16);
    p.icc_master_key_ac = crypto::emv::derive_icc_master_key_a(imk.view(), c.pan, c.psn);
  }
  // Issuer script keys: each as the ICC key itself or the issuer's, from which the card derives it.
  for (const auto& [name, out] : {std::pair<const char*, SecureBytes*>{"smi", &p.icc_master_key_smi},
                                  std::pair<const char*, SecureBytes*>{"smc", &p.icc_master_key_smc}}) {
    const std::string icc = std::string("icc_master_key_") + name, iss = std::string("issuer_master_key_") + name;
    if (keys.contains(icc) && keys.contains(iss)) fail(Errc::invalid_argument, "profile: keys has both " + icc + " and " + iss);
    if (keys.contains(icc)) *out = secret_field(keys, icc.c_str(), 16, 16);
    if (keys.contains(iss))
      *out = crypto::emv::derive_icc_master_key_a(secret_field(keys, iss.c_str(), 16, 16).view(), c.pan, c.psn);
  }
  if (p.icc_master_key_smi.empty() != p.icc_master_key_smc.empty())
    fail(Errc::invalid_argument, "profile: issuer scripts need both the SMI and the SMC key");
  p.script_failure_limit = static_cast<std::uint8_t>(number(j, "script_failure_limit", 3, 1, 15));
  if (keys.contains("pin")) {
    if (!keys.at("pin").is_string()) fail(Errc::parse, "profile: keys.pin must be a string");
    const std::string& pin = keys.at("pin").get_ref<const std::string&>();
    if (pin.size() < 4 || pin.size() > 12 || pin.find_first_not_of("0123456789") != std::string::npos)
      fail(Errc::invalid_argument, "profile: keys.pin must be 4-12 digits");
    p.pin.assign(pin.begin(), pin.end());
  }
  if (j.contains("personal_code")) {
    const json& pc = object(j, "personal_code");
    const std::string mode = text(pc, "mode", "tap_pin_tap", 1, 16);
    if (mode != "pin_tap" && mode != "tap_pin_tap") fail(Errc::invalid_argument, "profile: personal_code.mode is pin_tap or tap_pin_tap");
    if (p.pin.empty()) fail(Errc::invalid_argument, "profile: personal_code needs keys.pin");
    p.personal_code = true;
    p.personal_code_mode = mode == "pin_tap" ? 1 : 2;
    p.personal_code_entry_limit = number(pc, "entry_limit", 0, 0, 999999999999ull);
    p.personal_code_validity = number(pc, "validity_seconds", 60, 1, 86400);
  }
  if (j.contains("contactless")) {
    const json& cl = object(j, "contactless");
    p.contactless_group = static_cast<std::uint8_t>(number(cl, "group", 0, 0, 255));
    if (cl.contains("activated")) {
      if (!cl.at("activated").is_boolean()) fail(Errc::parse, "profile: contactless.activated must be true or false");
      p.contactless_activated = cl.at("activated").get<bool>();
    }
  }
  if (keys.contains("icc_private_key")) {
    p.icc_private_key_pkcs8 = secret_field(keys, "icc_private_key", 1, 4096);
    const json& certs = object(j, "certificates");
    p.ca_index = static_cast<std::uint8_t>(number(certs, "ca_index", 0, 0, 255));
    p.issuer_certificate = hex_field(certs, "issuer", 128, 248);
    p.issuer_remainder = hex_field(certs, "issuer_remainder", 0, 248);
    p.issuer_exponent = hex_field(certs, "issuer_exponent", 1, 3);
    p.icc_certificate = hex_field(certs, "icc", 128, 248);
    p.icc_remainder = hex_field(certs, "icc_remainder", 0, 248);
    p.icc_exponent = hex_field(certs, "icc_exponent", 1, 3);
  }
  iso7816::emv::oda_record_value(c);  // validates the card data's formats
  return p;
}

}  // namespace sesame::applets::emv
