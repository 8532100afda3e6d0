// SecurityInfos (ICAO Doc 9303-11 §9.2, BSI TR-03110-3 §A.1): the DER SET OF SecurityInfo found
// in EF.CardAccess (PACEInfo) and in DG14 (ChipAuthenticationInfo and
// ChipAuthenticationPublicKeyInfo). Only the members sesame uses are decoded; other
// SecurityInfos are kept as opaque DER and skipped by the lookups.
#pragma once

#include <optional>
#include <vector>

#include "crypto/ec_key.h"
#include "util/bytes.h"

namespace sesame::iso7816 {

struct PaceInfo {
  Bytes protocol;  // OID content octets, e.g. id-PACE-ECDH-GM-AES-CBC-CMAC-128
  int version = 2;
  std::optional<int> parameter_id;  // standardized domain parameters (Table 6)
};

struct ChipAuthenticationInfo {
  Bytes protocol;  // id-CA-ECDH-AES-CBC-CMAC-*
  int version = 1;
  std::optional<int> key_id;
};

struct ChipAuthenticationPublicKeyInfo {
  Bytes protocol;                 // id-PK-ECDH
  Bytes subject_public_key_info;  // DER SubjectPublicKeyInfo
  std::optional<int> key_id;
};

struct SecurityInfos {
  std::vector<PaceInfo> pace;
  std::vector<ChipAuthenticationInfo> chip_authentication;
  std::vector<ChipAuthenticationPublicKeyInfo> chip_authentication_keys;
  std::vector<Bytes> other;  // whole DER SEQUENCEs of SecurityInfos not decoded here
};

// DER SET OF in the order pace, chip_authentication, chip_authentication_keys, other.
Bytes encode_security_infos(const SecurityInfos& infos);
// Error(Errc::parse) when not a DER SET OF SEQUENCE { OID, ... } or when a known SecurityInfo is
// malformed. Unknown protocols go to `other`.
SecurityInfos parse_security_infos(ByteView der);

// The CA public key of a ChipAuthenticationPublicKeyInfo: an id-ecPublicKey SPKI with a named
// curve, or TR-03110's standardizedDomainParameters (0.4.0.127.0.7.1.2, INTEGER id) with a
// standardized ID this build supports. Error(Errc::parse / crypto) otherwise.
crypto::EcPublicKey ca_public_key(const ChipAuthenticationPublicKeyInfo& info);

// The EF.CardAccess and DG14 a sesame eID card with this CA key carries (id-PACE-ECDH-GM-AES-CBC-
// CMAC-128 with `parameter_id`, id-CA-ECDH-AES-CBC-CMAC-128 v1, id-PK-ECDH with a named-curve
// SubjectPublicKeyInfo): the card writes them at install, an issuer computes the same DG14 bytes to
// put their hash in EF.SOD.
Bytes eid_card_access(int parameter_id);
Bytes eid_dg14(const crypto::EcPublicKey& chip_authentication_key);

// DG14 / EF.CardAccess helpers: DG14 is '6E' { SecurityInfos }.
Bytes encode_dg14(const SecurityInfos& infos);
SecurityInfos parse_dg14(ByteView dg14);

}  // namespace sesame::iso7816
