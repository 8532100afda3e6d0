// Kernel pieces: PPSE parsing, priority order, and CDA (certificate chain and GENERATE AC signature).
#include <algorithm>

#include "crypto/emv_certificates.h"
#include "crypto/emv_keys.h"
#include "crypto/hash.h"
#include "host/emv/kernel.h"
#include "util/error.h"
#include "util/secure_buffer.h"
#include "util/tlv.h"

namespace sesame::host::emv::detail {
namespace {

const Bytes& need(const std::map<std::uint32_t, Bytes>& card, std::uint32_t tag, const char* what) {
  const auto it = card.find(tag);
  if (it == card.end()) fail(Errc::not_found, std::string("CDA: missing ") + what);
  return it->second;
}
const Bytes* maybe(const std::map<std::uint32_t, Bytes>& card, std::uint32_t tag) {
  const auto it = card.find(tag);
  return it == card.end() ? nullptr : &it->second;
}

// YYMM of a transaction date YYMMDD, and of a certificate's MMYY, as comparable numbers (Book 4:
// YY 00-49 is 20YY, 50-99 is 19YY).
int yymm_value(int yy, int mm) { return (yy < 50 ? 2000 + yy : 1900 + yy) * 100 + mm; }
int cert_expiry(ByteView mmyy) {
  const std::string d = crypto::emv::bcd_digits(mmyy);
  if (d.size() != 4) fail(Errc::crypto, "CDA: malformed certificate expiry");
  return yymm_value(std::stoi(d.substr(2, 2)), std::stoi(d.substr(0, 2)));
}
int date_yymm(const std::string& yymmdd) { return yymm_value(std::stoi(yymmdd.substr(0, 2)), std::stoi(yymmdd.substr(2, 2))); }

}  // namespace

std::vector<DirectoryEntry> parse_ppse(ByteView fci) {
  const Tlv t = parse_one(fci);
  if (t.tag() != 0x6F) fail(Errc::parse, "PPSE: FCI template 6F expected");
  const Tlv* dir = t.find_path({0xA5, 0xBF0C});
  if (!dir) fail(Errc::parse, "PPSE: no FCI issuer discretionary data BF0C");
  std::vector<DirectoryEntry> out;
  for (const Tlv* e : dir->find_all(0x61)) {
    DirectoryEntry d;
    d.aid = e->require(0x4F).value();
    if (d.aid.size() < 5 || d.aid.size() > 16) fail(Errc::parse, "PPSE: ADF name must be 5-16 bytes");
    if (const Tlv* l = e->find(0x50)) d.label.assign(l->value().begin(), l->value().end());
    if (const Tlv* p = e->find(0x87); p && p->value().size() == 1) d.priority = p->value()[0] & 0x0F;
    out.push_back(std::move(d));
  }
  return out;
}

void sort_by_priority(std::vector<DirectoryEntry>& entries) {
  std::stable_sort(entries.begin(), entries.end(), [](const DirectoryEntry& a, const DirectoryEntry& b) {
    const int pa = a.priority == 0 ? 16 : a.priority, pb = b.priority == 0 ? 16 : b.priority;
    return pa < pb;
  });
}

crypto::RsaPublicKey recover_icc_key(const std::map<std::uint32_t, Bytes>& card, const TerminalConfig& terminal,
                                     ByteView aid, ByteView static_data, const std::string& date) {
  const Bytes& index = need(card, 0x8F, "CA public key index (8F)");
  if (index.size() != 1 || aid.size() < 5) fail(Errc::crypto, "CDA: malformed CA public key index");
  const CaPublicKey* ca = nullptr;
  for (const auto& k : terminal.ca_keys)
    if (k.index == index[0] && std::equal(k.rid.begin(), k.rid.end(), aid.begin(), aid.begin() + 5)) ca = &k;
  if (!ca) fail(Errc::crypto, "CDA: the terminal has no CA key for this RID and index");

  static const Bytes none;
  const Bytes* issuer_rem = maybe(card, 0x92);
  const auto issuer = crypto::emv::recover_issuer_certificate(
      ca->key, need(card, 0x90, "issuer public key certificate (90)"), issuer_rem ? *issuer_rem : none,
      need(card, 0x9F32, "issuer public key exponent (9F32)"));
  const std::string pan = crypto::emv::bcd_digits(need(card, 0x5A, "PAN (5A)"));
  // Book 2 §6.3 step 7-8: the issuer identifier matches the leftmost PAN digits; not expired.
  std::string issuer_id;
  try {
    issuer_id = crypto::emv::bcd_digits(issuer.fields.identifier);
  } catch (const Error&) {
    fail(Errc::crypto, "CDA: malformed issuer identifier");
  }
  if (issuer_id.size() < 3 || pan.compare(0, issuer_id.size(), issuer_id) != 0)
    fail(Errc::crypto, "CDA: issuer identifier does not match the PAN");
  if (cert_expiry(issuer.fields.expiry) < date_yymm(date)) fail(Errc::crypto, "CDA: issuer certificate expired");

  const Bytes* icc_rem = maybe(card, 0x9F48);
  const auto icc = crypto::emv::recover_icc_certificate(
      issuer.key, need(card, 0x9F46, "ICC public key certificate (9F46)"), icc_rem ? *icc_rem : none,
      need(card, 0x9F47, "ICC public key exponent (9F47)"), static_data);
  // Book 2 §6.4 steps 9-10: the certified PAN is the card's PAN; not expired.
  std::string icc_pan;
  try {
    icc_pan = crypto::emv::bcd_digits(icc.fields.identifier);
  } catch (const Error&) {
    fail(Errc::crypto, "CDA: malformed certified PAN");
  }
  if (icc_pan != pan) fail(Errc::crypto, "CDA: the ICC certificate is for another PAN");
  if (cert_expiry(icc.fields.expiry) < date_yymm(date)) fail(Errc::crypto, "CDA: ICC certificate expired");
  return icc.key;
}

Bytes verify_cda(const crypto::RsaPublicKey& icc, ByteView sdad, ByteView unpredictable_number, std::uint8_t cid,
                 ByteView transaction_data_for_hash) {
  crypto::emv::CdaDynamicData dd;
  try {
    dd = crypto::emv::parse_cda_dynamic_data(crypto::emv::recover_dynamic_data(icc, sdad, unpredictable_number));
  } catch (const Error& e) {
    fail(Errc::crypto, std::string("CDA: ") + e.what());
  }
  if (dd.cid != cid) fail(Errc::crypto, "CDA: the signed CID differs from the returned one");
  if (!secure_equal(dd.transaction_data_hash, crypto::sha1(transaction_data_for_hash)))
    fail(Errc::crypto, "CDA: transaction data hash does not match");
  return dd.cryptogram;
}

}  // namespace sesame::host::emv::detail
