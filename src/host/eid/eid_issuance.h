// Issuance of a sesame.eid card: from an identity to the LDS files (EF.COM, DG1 with the TD1 MRZ,
// DG2 with an optional photo, DG13, DG14 with a fresh Chip Authentication key), EF.SOD signed by a
// Document Signer over their hashes, and the applet's install parameters that carry them
// (docs/EID.md "Install parameters"). host/ does not include the applet: the install profile's
// tags are repeated here and tested against the hosted card.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/any_key.h"
#include "crypto/hash.h"
#include "crypto/x509.h"
#include "host/eid/mrz.h"
#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::host::eid {

struct EidIdentity {
  Td1 mrz;                     // names already in MRZ form (mrz_name)
  std::string surname_utf8;    // DG13 full name, as given
  std::string given_names_utf8;
  std::string date_of_birth_full;  // YYYYMMDD (DG13)
  std::string address;         // optional, UTF-8 (DG13)
  std::string photo_file;      // optional path (the caller reads it into `photo`)
  Bytes photo;                 // optional image (DG2)
};

// The identity JSON of `sesame eid issue` (docs/EID.md "Issuing"): document_type, issuing_state,
// document_number, surname, given_names, nationality, date_of_birth (YYYY-MM-DD), sex,
// date_of_expiry (YYYY-MM-DD); optional optional_data, address, photo (a file path).
// Error(parse) for malformed JSON or a missing member, Error(invalid_argument) for a bad value.
EidIdentity parse_identity_json(std::string_view json);

struct EidSecrets {
  SecureString pin;  // 6 digits
  SecureString can;  // 6 digits
  SecureString puk;  // 10 digits (8..12 accepted)
};
// Fresh random digits (rejection sampling, no modulo bias). Empty members of `given` are filled,
// given ones are checked (Error(invalid_argument)).
EidSecrets complete_secrets(EidSecrets given);

struct EidIssueOptions {
  int parameter_id = 13;  // brainpoolP256r1 for PACE and CA (ICAO 9303-11 Table 6)
  crypto::HashAlg lds_hash = crypto::HashAlg::sha256;
};

struct IssuedEid {
  std::string mrz;  // 90 characters
  std::map<int, Bytes> data_groups;  // 1, 2 (with a photo), 13, 14
  Bytes ef_com;
  Bytes ef_sod;
  SecureBytes install_params;  // holds the PIN/CAN/PUK and the CA private key
};

IssuedEid issue_eid(const EidIdentity& identity, const EidSecrets& secrets, const crypto::Certificate& document_signer,
                    const crypto::PrivateKey& document_signer_key, const EidIssueOptions& options = {});

// DG1 = '61' { '5F1F' MRZ }; the MRZ of a DG1 (Error(parse) if it is not that).
Bytes encode_dg1(std::string_view mrz);
std::string mrz_of_dg1(ByteView dg1);

// DG13 ('6D'): issuer-defined; sesame uses the DG11 tags of ICAO 9303-10 §4.7.11 inside it:
// '5F0E' full name (UTF-8, "SURNAME<<GIVEN NAMES"), '5F2B' full date of birth, '5F42' address.
struct Dg13 {
  std::string full_name, date_of_birth, address;
};
Bytes encode_dg13(const Dg13& d);
Dg13 parse_dg13(ByteView dg13);

}  // namespace sesame::host::eid
