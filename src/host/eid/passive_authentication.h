// Passive authentication (ICAO Doc 9303-11 §5.1): EF.SOD's CMS signature by the Document Signer,
// the Document Signer -> CSCA chain (with CRLs when asked), and each data group's hash against the
// signed LDS Security Object. Every refusal is Error(Errc::crypto) naming the reason, or
// Error(Errc::parse) for a malformed EF.SOD.
#pragma once

#include <vector>

#include "crypto/trust_store.h"
#include "crypto/x509.h"
#include "iso7816/lds_security_object.h"
#include "util/bytes.h"

namespace sesame::host::eid {

class PassiveAuthentication {
 public:
  // Verifies EF.SOD ('77' { ContentInfo }) against the CSCAs of `cscas`.
  static PassiveAuthentication verify(ByteView ef_sod, const crypto::TrustStore& cscas,
                                      const crypto::ChainOptions& options = {});

  // The data group's hash must be in EF.SOD and match (constant time).
  void check_data_group(int number, ByteView content) const;

  const crypto::Certificate& document_signer() const { return chain_.front(); }
  const std::vector<crypto::Certificate>& chain() const { return chain_; }  // DS first, CSCA last
  const iso7816::LdsSecurityObject& lds() const { return lds_; }

 private:
  PassiveAuthentication(std::vector<crypto::Certificate> chain, iso7816::LdsSecurityObject lds)
      : chain_(std::move(chain)), lds_(std::move(lds)) {}
  std::vector<crypto::Certificate> chain_;
  iso7816::LdsSecurityObject lds_;
};

}  // namespace sesame::host::eid
