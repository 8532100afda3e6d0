#include "host/eid/eid_reading.h"

#include "crypto/cms.h"
#include "crypto/trust_store.h"
#include "host/eid/eid_issuance.h"
#include "host/eid/icao_pki.h"
#include "host/eid/mrz.h"
#include "iso7816/lds_security_object.h"
#include "iso7816/status_word.h"
#include "util/error.h"

namespace sesame::host::eid {
namespace {

const char* password_name(PasswordRef ref) {
  switch (ref) {
    case PasswordRef::mrz: return "MRZ";
    case PasswordRef::can: return "CAN";
    case PasswordRef::pin: return "PIN";
    case PasswordRef::puk: return "PUK";
  }
  return "password";
}

}  // namespace

bool EidReadResult::ok() const {
  if (checks.empty()) return false;
  for (const auto& c : checks)
    if (!c.ok) return false;
  return true;
}

std::string pace_refusal_text(PasswordRef ref, std::uint16_t sw) {
  const std::string name = password_name(ref);
  if (sw == 0x63C0) return "wrong " + name + ": the " + name + " is now blocked (unblock it with the PUK)";
  if (sw == 0x63C1) {
    return "wrong " + name + ": 1 try left, the " + name +
           " is now suspended (give the CAN as well to resume it)";
  }
  if ((sw & 0xFFF0) == 0x63C0) return "wrong " + name + ": " + std::to_string(sw & 0x0F) + " tries left";
  if (sw == 0x6300) return "wrong " + name;
  if (sw == 0x6983) return "the " + name + " is blocked (unblock it with the PUK)";
  if (sw == 0x6982 && ref == PasswordRef::pin) return "the PIN is suspended: give the CAN as well to resume it";
  return "refused: " + iso7816::sw_name(sw);
}

EidReadResult read_and_verify(Reader& reader, const std::vector<PacePassword>& passwords,
                              const EidReadOptions& options) {
  EidReadResult r;
  auto add = [&](std::string name, bool ok, std::string detail) {
    r.checks.push_back({std::move(name), ok, std::move(detail)});
    return ok;
  };
  if (passwords.empty()) fail(Errc::invalid_argument, "no PACE password");
  EidTerminal t(reader);

  // 1. PACE with each password in turn (a PIN after a CAN keeps the application selected).
  for (std::size_t i = 0; i < passwords.size(); ++i) {
    const PacePassword& pw = passwords[i];
    PaceOptions po;
    if (i > 0) po.select_aid = std::nullopt;
    try {
      t.pace(pw, po);
    } catch (const CardRefused& e) {
      add(std::string("PACE (") + password_name(pw.ref) + ")", false, pace_refusal_text(pw.ref, e.sw()));
      return r;
    } catch (const Error& e) {
      if (e.code() == Errc::io) throw;
      add(std::string("PACE (") + password_name(pw.ref) + ")", false, e.what());
      return r;
    }
    add(std::string("PACE (") + password_name(pw.ref) + ")", true, "secure messaging established");
  }

  // 2. Chip Authentication (reads DG14; its hash is checked with the others below).
  try {
    r.data_groups[14] = t.chip_authentication();
    add("Chip Authentication", true, "new secure messaging keys from the chip's DG14 key");
  } catch (const Error& e) {
    if (e.code() == Errc::io) throw;
    add("Chip Authentication", false, e.what());
    return r;
  }

  // 3. The files. DG2 is optional (6A82 when the card has none).
  try {
    r.data_groups[1] = t.read_file_sfi(0x01);
    r.data_groups[13] = t.read_file_sfi(0x0D);
    r.ef_sod = t.read_file_sfi(0x1D);
    try {
      r.data_groups[2] = t.read_file_sfi(0x02);
    } catch (const CardRefused& e) {
      if (e.sw() != 0x6A82) throw;
    }
  } catch (const Error& e) {
    if (e.code() == Errc::io) throw;
    add("read DG1, DG2, DG13, EF.SOD", false, e.what());
    return r;
  }

  // 4. Passive authentication, step by step (ICAO 9303-11 §5.1).
  std::optional<crypto::CmsVerified> signed_data;
  try {
    signed_data = crypto::cms_verify(iso7816::unwrap_ef_sod(r.ef_sod));
    if (signed_data->content_type != crypto::kOidIcaoLdsSecurityObject)
      fail(Errc::crypto, "the content is not an LDS Security Object (" + signed_data->content_type + ")");
    add("EF.SOD signature", true, "signed by " + signed_data->signer.subject());
  } catch (const Error& e) {
    if (e.code() == Errc::io) throw;
    add("EF.SOD signature", false, e.what());
  }
  if (signed_data) {
    const crypto::TrustStore store(options.cscas);
    crypto::ChainOptions chain;
    chain.at = options.at;
    try {
      const auto path = store.verify(signed_data->signer, signed_data->certificates, chain);
      add("Document Signer chain", true, "to CSCA " + path.back().subject());
    } catch (const Error& e) {
      add("Document Signer chain", false, e.what());
    }
    if (options.crls.empty()) {
      add("CRL", true, "not checked (no CRL given)");
    } else {
      chain.crls = options.crls;
      chain.revocation = crypto::RevocationCheck::leaf;
      try {
        store.verify(signed_data->signer, signed_data->certificates, chain);
        add("CRL", true, "the Document Signer is not revoked");
      } catch (const Error& e) {
        add("CRL", false, e.what());
      }
    }
    try {
      const auto lds = iso7816::parse_lds_security_object(signed_data->content);
      for (const auto& [n, content] : r.data_groups) {
        const std::string name = "DG" + std::to_string(n) + " hash";
        const auto it = lds.data_group_hashes.find(n);
        if (it == lds.data_group_hashes.end())
          add(name, false, "DG" + std::to_string(n) + " is not in EF.SOD");
        else if (!secure_equal(crypto::hash(lds.hash, content), it->second))
          add(name, false, "DG" + std::to_string(n) + " does not match its hash in EF.SOD");
        else
          add(name, true, "matches EF.SOD");
      }
    } catch (const Error& e) {
      add("LDS Security Object", false, e.what());
    }
  }

  // 5. The MRZ's own check digits (ICAO 9303-3 §4.9), then whether the Document Signer may sign
  // this kind of document (its Document Type List, ICAO 9303-12 §7.1.1.3; older DS have none).
  try {
    r.mrz = mrz_of_dg1(r.data_groups[1]);
    const auto bad = td1_check_digit_errors(r.mrz);
    std::string detail;
    for (const auto& b : bad) detail += (detail.empty() ? "wrong check digit: " : ", ") + b;
    add("MRZ check digits", bad.empty(), bad.empty() ? "document number, birth, expiry, composite" : detail);
  } catch (const Error& e) {
    add("MRZ check digits", false, e.what());
  }
  if (signed_data && r.mrz.size() >= 2) {
    const std::string document_code = r.mrz.substr(0, 2);  // TD1 line 1 starts with it
    const auto list = signed_data->signer.extension_value(kOidDocumentTypeList);
    if (!list) {
      add("Document type", true, "the Document Signer has no Document Type List (not checked)");
    } else {
      try {
        const auto types = decode_document_type_list(*list);
        std::string names;
        for (const auto& type : types) names += (names.empty() ? "" : ", ") + type;
        const bool ok = document_type_allowed(types, document_code);
        add("Document type", ok,
            (ok ? "" : "the Document Signer may not sign ") + document_code + " (its list: " + names + ")");
      } catch (const Error& e) {
        if (e.code() != Errc::parse) throw;
        add("Document type", false, std::string("malformed Document Type List: ") + e.what());
      }
    }
  }
  return r;
}

}  // namespace sesame::host::eid
