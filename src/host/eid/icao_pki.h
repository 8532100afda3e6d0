// The certificates of an eMRTD PKI as ICAO Doc 9303-12 (8th edition) §7.1 profiles them: the
// Country Signing CA (self-signed, C= the issuing state, basicConstraints CA with pathLen 0,
// keyUsage keyCertSign + cRLSign, both critical, subject and authority key identifiers), the
// Document Signer it issues (keyUsage digitalSignature only, critical; authority key identifier;
// no extendedKeyUsage: 9303-12 defines none for Document Signers) and the CSCA's CRL (§7.1.4).
// `sesame pki` and the tests share these.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "crypto/any_key.h"
#include "crypto/crl.h"
#include "crypto/x509.h"
#include "util/bytes.h"

namespace sesame::host::eid {

struct CscaProfile {
  std::string country;              // ISO 3166-1 alpha-2, e.g. "FR"
  std::string common_name = "CSCA";
  std::string organization;         // optional
  std::chrono::days validity{365 * 15};
};

struct DocumentSignerProfile {
  std::string common_name = "Document Signer";
  std::string organization;  // optional; C= is the CSCA's
  // Key usage period plus the longest document validity (9303-12 §7.1.1: ~3 months + 10 years).
  std::chrono::days validity{365 * 11};
  // The Document Type List extension (ICAO 9303-12 §7.1.1.3): the MRZ document codes this DS may
  // sign; one letter stands for every code that starts with it ("I": ID cards of every kind).
  std::vector<std::string> document_types{"I"};
};

// id-icao-mrtd-security-extensions-documentTypeList (ICAO 9303-12).
inline constexpr const char* kOidDocumentTypeList = "2.23.136.1.1.6.2";
// DocumentTypeListSyntax ::= SEQUENCE { version INTEGER (v0), docTypeList SET OF PrintableString
// (SIZE(1..2)) }. Error(invalid_argument) for a type that is not 1-2 letters A-Z; decoding gives
// Error(parse) for anything else than that structure.
Bytes encode_document_type_list(const std::vector<std::string>& types);
std::vector<std::string> decode_document_type_list(ByteView der);
// Whether a document with MRZ document code `code` ("ID", "I<" or "I") may be signed under `list`.
bool document_type_allowed(const std::vector<std::string>& list, const std::string& code);

// Error(invalid_argument) for a country that is not two letters A-Z.
crypto::Certificate make_csca(const CscaProfile& profile, const crypto::PrivateKey& key);
crypto::Certificate make_document_signer(const DocumentSignerProfile& profile, const crypto::PublicKey& ds_key,
                                         const crypto::Certificate& csca, const crypto::PrivateKey& csca_key);

// The CSCA's CRL listing `revoked` serials (big-endian magnitudes), valid `validity` from now.
crypto::Crl make_csca_crl(const crypto::Certificate& csca, const crypto::PrivateKey& csca_key,
                          const std::vector<Bytes>& revoked, std::uint64_t crl_number,
                          std::chrono::days validity = std::chrono::days(90));

// Error(crypto) naming the rule when `csca` / `ds` do not follow the profiles above (used by the
// tests, and by `sesame pki init` on what it just made).
void check_csca_profile(const crypto::Certificate& csca);
void check_document_signer_profile(const crypto::Certificate& ds, const crypto::Certificate& csca);

}  // namespace sesame::host::eid
