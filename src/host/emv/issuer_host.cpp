#include "host/emv/issuer_host.h"

#include "crypto/emv_keys.h"
#include "util/error.h"

namespace sesame::host::emv {
namespace {

constexpr std::uint8_t kCvn = 0x10;

SecureBytes session_key(const SecureBytes& imk, const AuthorisationRequest& r) {
  const auto mk = crypto::emv::derive_icc_master_key_a(imk.view(), r.pan, r.psn);
  return crypto::emv::derive_common_session_key(mk.view(), crypto::emv::ac_diversifier(r.atc));
}

}  // namespace

IssuerHost::IssuerHost(SecureBytes issuer_master_key_ac, int arpc_method, std::uint64_t approval_limit)
    : imk_(std::move(issuer_master_key_ac)), arpc_method_(arpc_method), approval_limit_(approval_limit) {
  if (imk_.size() != 16) fail(Errc::invalid_argument, "issuer host: the master key must be 16 bytes");
  if (arpc_method != 1 && arpc_method != 2) fail(Errc::invalid_argument, "issuer host: ARPC method 1 or 2");
}

bool IssuerHost::verify_arqc(const AuthorisationRequest& r) const {
  if (r.arqc.size() != 8 || r.aip.size() != 2 || r.iad.size() != 8 || r.iad[1] != kCvn) return false;
  const auto sk = session_key(imk_, r);
  const ByteView cvr = ByteView(r.iad).subspan(2, 6);
  const Bytes expect = crypto::emv::application_cryptogram(
      sk.view(), crypto::emv::cryptogram_input(r.cdol1_data, r.aip, r.atc, cvr));
  return secure_equal(expect, r.arqc);
}

AuthorisationResponse IssuerHost::authorise(const AuthorisationRequest& r) const {
  AuthorisationResponse out;
  out.arqc_valid = verify_arqc(r);
  out.approved = out.arqc_valid && r.amount <= approval_limit_;
  out.arc = out.approved ? Bytes{'0', '0'} : Bytes{'0', '5'};
  if (r.arqc.size() != 8) return out;  // nothing to authenticate
  const auto sk = session_key(imk_, r);
  if (arpc_method_ == 1) {
    out.issuer_authentication_data = concat({crypto::emv::arpc_method1(sk.view(), r.arqc, out.arc), out.arc});
  } else {
    // CSU (Book 2 §8.2.2): byte 1 b8 "proprietary authentication data included", byte 2 b8 "issuer
    // approves online transaction". The 2-byte Proprietary Authentication Data is the ARC, so the
    // ARPC binds it (sesame's card compares it with the ARC of CDOL2).
    const Bytes csu{0x80, static_cast<std::uint8_t>(out.approved ? 0x80 : 0x00), 0x00, 0x00};
    const Bytes pad{out.arc[0], out.arc[1]};
    out.issuer_authentication_data = concat({crypto::emv::arpc_method2(sk.view(), r.arqc, csu, pad), csu, pad});
  }
  return out;
}

}  // namespace sesame::host::emv
