// CMS SignedData (RFC 5652) with one signer: signing and signature verification.
//
// ICAO 9303-10 EF.SOD is such a SignedData whose eContentType is id-icao-mrtd-security-
// ldsSecurityObject (2.23.136.1.1.1) with the LDSSecurityObject embedded. Validating the signer's
// certificate chain is separate: pass CmsVerified::signer to a TrustStore.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crypto/any_key.h"
#include "crypto/signature_hash.h"
#include "crypto/x509.h"
#include "util/bytes.h"

namespace sesame::crypto {

inline constexpr const char* kOidCmsData = "1.2.840.113549.1.7.1";
inline constexpr const char* kOidIcaoLdsSecurityObject = "2.23.136.1.1.1";

struct CmsSignOptions {
  std::string content_type = kOidCmsData;  // eContentType, dotted OID
  bool detached = false;                   // leave eContent out (the verifier supplies it)
  SignatureHash hash = SignatureHash::sha256;
  bool include_signer_certificate = true;
  std::vector<Certificate> extra_certificates;  // e.g. intermediates
};

// Signed attributes contentType, messageDigest and signingTime are always present. The key must
// be the signer certificate's (Error(Errc::invalid_argument) otherwise). Returns DER ContentInfo.
Bytes cms_sign(ByteView content, const Certificate& signer, const PrivateKey& key,
               const CmsSignOptions& options = {});

struct CmsVerified {
  std::string content_type;  // eContentType, dotted OID
  Bytes content;             // the encapsulated (or supplied detached) content
  Certificate signer;
  std::vector<Certificate> certificates;  // the SignedData's certificates field
};

// Verifies the single SignerInfo's signature over the content. The signer certificate is taken from
// the SignedData or, when absent there, found among `candidates`. detached_content is required iff
// the SignedData has no eContent. Error(Errc::parse) for malformed DER, Error(Errc::crypto) for a
// signature that does not verify, a missing signer certificate, or more than one signer.
CmsVerified cms_verify(ByteView der, std::optional<ByteView> detached_content = std::nullopt,
                       std::span<const Certificate> candidates = {});

}  // namespace sesame::crypto
