#include "services/eid_verifier/digital_id.h"

#include <nlohmann/json.hpp>

#include "crypto/jws.h"
#include "host/eid/passive_authentication.h"
#include "util/base64.h"
#include "util/error.h"

namespace sesame::services::eid {
namespace {

using nlohmann::json;

int two_digit_year(std::chrono::system_clock::time_point now) {
  const auto days = std::chrono::floor<std::chrono::days>(now);
  return static_cast<int>(std::chrono::year_month_day(days).year()) % 100;
}

std::string strip_filler(const std::string& s) {
  std::string out = s;
  while (!out.empty() && out.back() == '<') out.pop_back();
  for (char& c : out)
    if (c == '<') c = ' ';
  return out;
}

std::int64_t epoch_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string mrz_date(const std::string& yymmdd, bool birth, std::chrono::system_clock::time_point now) {
  if (yymmdd.size() != 6 || yymmdd.find_first_not_of("0123456789") != std::string::npos)
    fail(Errc::parse, "MRZ date is not YYMMDD");
  const int yy = std::stoi(yymmdd.substr(0, 2));
  const int century = birth && yy > two_digit_year(now) ? 1900 : 2000;
  return std::to_string(century + yy) + "-" + yymmdd.substr(2, 2) + "-" + yymmdd.substr(4, 2);
}

VerifiedIdentity verify_readout(const EidReadout& r, const crypto::TrustStore& cscas,
                                const std::vector<crypto::Crl>& crls,
                                const std::function<bool(const std::string&)>& is_revoked,
                                std::chrono::system_clock::time_point now) {
  crypto::ChainOptions chain;
  chain.at = now;
  if (!crls.empty()) {
    chain.crls = crls;
    chain.revocation = crypto::RevocationCheck::leaf;
  }
  const auto pa = [&] {
    try {
      return host::eid::PassiveAuthentication::verify(r.ef_sod, cscas, chain);
    } catch (const Error& e) {
      fail(e.code(), std::string("passive authentication: ") + e.what());
    }
  }();
  // DG14 first: the key Chip Authentication ran against must be the one the issuer signed.
  for (const auto& [n, content] : {std::pair<int, const Bytes*>{14, &r.dg14}, {1, &r.dg1}, {13, &r.dg13}}) {
    try {
      pa.check_data_group(n, *content);
    } catch (const Error& e) {
      fail(Errc::crypto, std::string("passive authentication: ") + e.what());
    }
  }
  VerifiedIdentity id;
  const std::string mrz = host::eid::mrz_of_dg1(r.dg1);
  const auto bad_digits = host::eid::td1_check_digit_errors(mrz);
  if (!bad_digits.empty()) fail(Errc::crypto, "MRZ: wrong check digit (" + bad_digits.front() + ")");
  id.mrz = host::eid::parse_td1(mrz);
  id.dg13 = host::eid::parse_dg13(r.dg13);
  const std::string number = strip_filler(id.mrz.document_number);
  if (is_revoked && is_revoked(number)) fail(Errc::state, "revocation: document " + number + " is revoked");
  const std::string expiry = mrz_date(id.mrz.date_of_expiry, false, now);
  const auto today = std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(now));
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(today.year()),
                static_cast<unsigned>(today.month()), static_cast<unsigned>(today.day()));
  if (expiry < std::string(buf)) fail(Errc::state, "the document expired on " + expiry);
  id.document_signer = pa.document_signer().subject();
  id.crl_checked = !crls.empty();
  return id;
}

std::string issue_digital_id(const VerifiedIdentity& id, const std::string& tx, const DigitalIdSigner& signer,
                             std::chrono::system_clock::time_point now, std::chrono::seconds lifetime) {
  json x5c = json::array();
  for (const auto& c : signer.chain) x5c.push_back(base64_encode(c.der()));  // RFC 7515 §4.1.6
  const json header{{"alg", std::string(crypto::jws_alg_name(crypto::jws_alg_for(signer.key.curve())))},
                    {"typ", "digital-id+jwt"},
                    {"x5c", x5c}};
  json payload{{"iss", signer.issuer},
               {"iat", epoch_seconds(now)},
               {"exp", epoch_seconds(now + lifetime)},
               {"txn", tx},
               {"document",
                {{"type", strip_filler(id.mrz.document_code)},
                 {"issuing_state", strip_filler(id.mrz.issuing_state)},
                 {"number", strip_filler(id.mrz.document_number)},
                 {"expiry_date", mrz_date(id.mrz.date_of_expiry, false, now)}}},
               {"family_name", strip_filler(id.mrz.primary_identifier)},
               {"given_name", strip_filler(id.mrz.secondary_identifier)},
               {"birthdate", mrz_date(id.mrz.date_of_birth, true, now)},
               {"nationality", strip_filler(id.mrz.nationality)},
               {"sex", id.mrz.sex},
               {"checks",
                {{"chip_authentication", true},
                 {"passive_authentication", true},
                 {"document_signer", id.document_signer},
                 {"document_signer_crl", id.crl_checked},
                 {"revocation_table", true}}}};
  if (!id.dg13.full_name.empty()) payload["full_name"] = id.dg13.full_name;
  if (id.dg13.date_of_birth.size() == 8)
    payload["birthdate"] = id.dg13.date_of_birth.substr(0, 4) + "-" + id.dg13.date_of_birth.substr(4, 2) +
                           "-" + id.dg13.date_of_birth.substr(6, 2);
  if (!id.dg13.address.empty()) payload["address"] = id.dg13.address;
  const std::string p = payload.dump(-1, ' ', false, json::error_handler_t::replace);
  return crypto::jws_sign(header.dump(), as_bytes(p), signer.key);
}

}  // namespace sesame::services::eid
