#include "iso7816/lds_security_object.h"

#include <array>

#include "util/error.h"
#include "util/tlv.h"

namespace sesame::iso7816 {
namespace {

struct HashOid {
  crypto::HashAlg alg;
  Bytes oid;
};

// id-sha1 1.3.14.3.2.26 and the NIST SHA-2 OIDs 2.16.840.1.101.3.4.2.{1,2,3,4}.
const std::array<HashOid, 5>& hash_oids() {
  static const std::array<HashOid, 5> k{{
      {crypto::HashAlg::sha1, {0x2B, 0x0E, 0x03, 0x02, 0x1A}},
      {crypto::HashAlg::sha256, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01}},
      {crypto::HashAlg::sha384, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02}},
      {crypto::HashAlg::sha512, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03}},
      {crypto::HashAlg::sha224, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04}},
  }};
  return k;
}

int small_integer(const Tlv& t) {
  if (t.tag() != 0x02 || t.value().size() != 1 || (t.value()[0] & 0x80)) fail(Errc::parse, "LDS: bad INTEGER");
  return t.value()[0];
}

}  // namespace

Bytes encode_lds_security_object(const LdsSecurityObject& lds) {
  Bytes alg;
  for (const auto& h : hash_oids())
    if (h.alg == lds.hash) alg = tlv_encode(0x30, tlv_encode(0x06, h.oid));
  Bytes hashes;
  for (const auto& [dg, hash] : lds.data_group_hashes) {
    if (dg < 1 || dg > 16) fail(Errc::invalid_argument, "LDS: data group number outside 1..16");
    append_tlv(hashes, 0x30, concat({tlv_encode(0x02, Bytes{static_cast<std::uint8_t>(dg)}), tlv_encode(0x04, hash)}));
  }
  return tlv_encode(0x30, concat({tlv_encode(0x02, Bytes{0x00}), alg, tlv_encode(0x30, hashes)}));
}

LdsSecurityObject parse_lds_security_object(ByteView der) {
  const Tlv t = parse_one(der, TlvMode::strict);
  const auto& f = t.children();
  if (t.tag() != 0x30 || f.size() < 3 || f.size() > 4) fail(Errc::parse, "LDS: not an LDSSecurityObject");
  if (small_integer(f[0]) > 1) fail(Errc::parse, "LDS: unknown version");
  if (f[1].tag() != 0x30 || f[1].children().empty() || f[1].children()[0].tag() != 0x06)
    fail(Errc::parse, "LDS: bad hashAlgorithm");
  LdsSecurityObject out;
  bool known = false;
  for (const auto& h : hash_oids())
    if (h.oid == f[1].children()[0].value()) {
      out.hash = h.alg;
      known = true;
    }
  if (!known) fail(Errc::parse, "LDS: unsupported hash algorithm");
  if (f[2].tag() != 0x30) fail(Errc::parse, "LDS: bad dataGroupHashValues");
  for (const Tlv& dg : f[2].children()) {
    if (dg.tag() != 0x30 || dg.children().size() != 2 || dg.children()[1].tag() != 0x04)
      fail(Errc::parse, "LDS: bad DataGroupHash");
    const int n = small_integer(dg.children()[0]);
    const Bytes& hash = dg.children()[1].value();
    if (n < 1 || n > 16 || hash.size() != crypto::digest_size(out.hash) || out.data_group_hashes.count(n))
      fail(Errc::parse, "LDS: bad data group number or hash length");
    out.data_group_hashes[n] = hash;
  }
  return out;
}

Bytes wrap_ef_sod(ByteView content_info) { return tlv_encode(0x77, content_info); }

Bytes unwrap_ef_sod(ByteView ef_sod) {
  std::size_t used = 0;
  const Tlv t = parse_first(ef_sod, used);  // cards may pad the file after the object
  if (t.tag() != 0x77) fail(Errc::parse, "EF.SOD: tag 77 expected");
  return t.value();
}

}  // namespace sesame::iso7816
