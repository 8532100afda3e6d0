// The LDS Security Object of EF.SOD (ICAO Doc 9303-10 §4.6.2): the hash of every data group,
// signed by the Document Signer as CMS SignedData (eContentType 2.23.136.1.1.1). EF.SOD is
// '77' { ContentInfo }. Shared by issuance (encode) and passive authentication (parse).
#pragma once

#include <map>

#include "crypto/hash.h"
#include "util/bytes.h"

namespace sesame::iso7816 {

struct LdsSecurityObject {
  crypto::HashAlg hash = crypto::HashAlg::sha256;
  std::map<int, Bytes> data_group_hashes;  // data group number (1..16) -> hash
};

// Version 0 (no LDSVersionInfo), hashAlgorithm without parameters.
Bytes encode_lds_security_object(const LdsSecurityObject& lds);
// Error(Errc::parse) when malformed, a data group number outside 1..16 appears twice, a hash has
// the wrong length, or the hash algorithm is not SHA-1/SHA-2.
LdsSecurityObject parse_lds_security_object(ByteView der);

// EF.SOD <-> the CMS ContentInfo inside its '77' tag.
Bytes wrap_ef_sod(ByteView content_info);
Bytes unwrap_ef_sod(ByteView ef_sod);

}  // namespace sesame::iso7816
