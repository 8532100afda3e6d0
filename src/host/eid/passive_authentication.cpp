#include "host/eid/passive_authentication.h"

#include <string>

#include "crypto/cms.h"
#include "util/error.h"
#include "util/secure_buffer.h"

namespace sesame::host::eid {

PassiveAuthentication PassiveAuthentication::verify(ByteView ef_sod, const crypto::TrustStore& cscas,
                                                    const crypto::ChainOptions& options) {
  const Bytes content_info = iso7816::unwrap_ef_sod(ef_sod);
  crypto::CmsVerified signed_data = crypto::cms_verify(content_info);
  if (signed_data.content_type != crypto::kOidIcaoLdsSecurityObject)
    fail(Errc::crypto, "EF.SOD: content is not an LDS Security Object (" + signed_data.content_type + ")");
  std::vector<crypto::Certificate> chain = cscas.verify(signed_data.signer, signed_data.certificates, options);
  return PassiveAuthentication(std::move(chain), iso7816::parse_lds_security_object(signed_data.content));
}

void PassiveAuthentication::check_data_group(int number, ByteView content) const {
  const auto it = lds_.data_group_hashes.find(number);
  if (it == lds_.data_group_hashes.end()) fail(Errc::crypto, "DG" + std::to_string(number) + " is not in EF.SOD");
  if (!secure_equal(crypto::hash(lds_.hash, content), it->second))
    fail(Errc::crypto, "DG" + std::to_string(number) + " does not match its hash in EF.SOD");
}

}  // namespace sesame::host::eid
