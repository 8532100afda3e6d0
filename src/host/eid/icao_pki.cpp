#include "host/eid/icao_pki.h"

#include <algorithm>

#include "crypto/certificate_builder.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::host::eid {
namespace {

using std::chrono::system_clock;

crypto::SignatureHash hash_for(const crypto::PrivateKey& key) {
  // ICAO 9303-12 §7.1.2 / TR-03110: a hash of the key's strength.
  if (const auto* ec = std::get_if<crypto::EcPrivateKey>(&key)) {
    switch (ec->curve()) {
      case crypto::Curve::p384:
      case crypto::Curve::brainpool_p384r1: return crypto::SignatureHash::sha384;
      case crypto::Curve::p521:
      case crypto::Curve::brainpool_p512r1: return crypto::SignatureHash::sha512;
      default: return crypto::SignatureHash::sha256;
    }
  }
  return crypto::SignatureHash::sha256;
}

void require(bool ok, const std::string& rule) {
  if (!ok) fail(Errc::crypto, "ICAO 9303-12 profile: " + rule);
}

}  // namespace

crypto::Certificate make_csca(const CscaProfile& p, const crypto::PrivateKey& key) {
  if (p.country.size() != 2 || p.country.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos)
    fail(Errc::invalid_argument, "CSCA: country is two letters A-Z (ISO 3166-1 alpha-2)");
  const auto now = system_clock::now();
  crypto::CertificateBuilder b;
  b.country(p.country).common_name(p.common_name).ca(0)
      .key_usage(crypto::KeyUsage::key_cert_sign | crypto::KeyUsage::crl_sign)
      .validity(now - std::chrono::minutes(1), now + p.validity);
  if (!p.organization.empty()) b.organization(p.organization);
  return b.self_sign(key, hash_for(key));
}

namespace {

bool valid_type(const std::string& t) {
  if (t.empty() || t.size() > 2) return false;
  for (char c : t)
    if (c < 'A' || c > 'Z') return false;
  return true;
}

}  // namespace

Bytes encode_document_type_list(const std::vector<std::string>& types) {
  if (types.empty()) fail(Errc::invalid_argument, "a Document Type List names at least one type");
  std::vector<Bytes> members;  // DER: a SET OF is sorted by its members' encodings
  for (const auto& t : types) {
    if (!valid_type(t)) fail(Errc::invalid_argument, "document type \"" + t + "\" is not 1-2 letters A-Z");
    members.push_back(tlv_encode(0x13, ByteView(reinterpret_cast<const std::uint8_t*>(t.data()), t.size())));
  }
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  Bytes set, body = tlv_encode(0x02, Bytes{0x00});
  for (const auto& m : members) append(set, m);
  append_tlv(body, 0x31, set);
  return tlv_encode(0x30, body);
}

std::vector<std::string> decode_document_type_list(ByteView der) {
  const Tlv seq = parse_one(der, TlvMode::strict);
  const auto& c = seq.children();
  if (seq.tag() != 0x30 || c.size() != 2 || c[0].tag() != 0x02 || c[0].value() != Bytes{0x00} || c[1].tag() != 0x31)
    fail(Errc::parse, "not a DocumentTypeListSyntax v0");
  std::vector<std::string> out;
  for (const auto& m : c[1].children()) {
    const std::string t(m.value().begin(), m.value().end());
    if (m.tag() != 0x13 || !valid_type(t)) fail(Errc::parse, "a document type is not 1-2 letters A-Z");
    out.push_back(t);
  }
  return out;
}

bool document_type_allowed(const std::vector<std::string>& list, const std::string& code) {
  std::string c = code;
  while (!c.empty() && c.back() == '<') c.pop_back();
  if (c.empty()) return false;
  for (const auto& t : list)
    if (t == c || (t.size() == 1 && c.front() == t.front())) return true;
  return false;
}

crypto::Certificate make_document_signer(const DocumentSignerProfile& p, const crypto::PublicKey& ds_key,
                                         const crypto::Certificate& csca, const crypto::PrivateKey& csca_key) {
  const auto now = system_clock::now();
  // C= must be the CSCA's (9303-12 §7.1.1): take it from the CSCA's subject.
  std::string country;
  const std::string subject = csca.subject();
  const auto at = subject.find("C=");
  if (at != std::string::npos && (at == 0 || subject[at - 1] == ',')) country = subject.substr(at + 2, 2);
  if (country.size() != 2) fail(Errc::invalid_argument, "Document Signer: the CSCA names no country");
  crypto::CertificateBuilder b;
  b.country(country).common_name(p.common_name).key_usage(crypto::KeyUsage::digital_signature)
      .validity(now - std::chrono::minutes(1), std::min(now + p.validity, csca.not_after()))
      .public_key(ds_key);
  if (!p.organization.empty()) b.organization(p.organization);
  b.extension(kOidDocumentTypeList, encode_document_type_list(p.document_types));
  return b.sign(csca, csca_key, hash_for(csca_key));
}

crypto::Crl make_csca_crl(const crypto::Certificate& csca, const crypto::PrivateKey& csca_key,
                          const std::vector<Bytes>& revoked, std::uint64_t crl_number, std::chrono::days validity) {
  const auto now = system_clock::now();
  crypto::CrlBuilder b;
  b.this_update(now - std::chrono::minutes(1)).next_update(now + validity).crl_number(crl_number);
  for (const auto& serial : revoked) b.revoke_serial(serial, now - std::chrono::minutes(1));
  return b.sign(csca, csca_key, hash_for(csca_key));
}

void check_csca_profile(const crypto::Certificate& csca) {
  require(csca.is_self_issued(), "a CSCA is self-issued");
  const auto bc = csca.basic_constraints();
  require(bc && bc->ca, "a CSCA has basicConstraints cA TRUE");
  require(bc->path_len && *bc->path_len == 0, "a CSCA has pathLenConstraint 0");
  const auto ku = csca.key_usage();
  require(ku && *ku == (crypto::KeyUsage::key_cert_sign | crypto::KeyUsage::crl_sign),
          "a CSCA's keyUsage is keyCertSign and cRLSign only");
  require(csca.subject_key_id().has_value(), "a CSCA has a subjectKeyIdentifier");
  require(csca.subject().find("C=") != std::string::npos, "a CSCA names its country (C=)");
  csca.verify_signature(csca);
}

void check_document_signer_profile(const crypto::Certificate& ds, const crypto::Certificate& csca) {
  const auto bc = ds.basic_constraints();
  require(!bc || !bc->ca, "a Document Signer is not a CA");
  const auto ku = ds.key_usage();
  require(ku && *ku == crypto::KeyUsage::digital_signature, "a Document Signer's keyUsage is digitalSignature only");
  require(ds.authority_key_id().has_value() && ds.authority_key_id() == csca.subject_key_id(),
          "a Document Signer's authorityKeyIdentifier is its CSCA's key identifier");
  require(ds.not_after() <= csca.not_after(), "a Document Signer does not outlive its CSCA");
  const auto types = ds.extension_value(kOidDocumentTypeList);
  require(types.has_value(), "a Document Signer carries the Document Type List extension");
  try {
    require(!decode_document_type_list(*types).empty(), "a Document Signer's Document Type List names a type");
  } catch (const Error& e) {
    if (e.code() != Errc::parse) throw;
    require(false, "a Document Signer's Document Type List is well formed");
  }
  ds.verify_signature(csca);
}

}  // namespace sesame::host::eid
