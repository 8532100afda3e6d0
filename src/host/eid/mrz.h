// The machine readable zone of a TD1 card (ICAO Doc 9303-5 §4.2: three lines of 30 characters)
// with the check digits of ICAO Doc 9303-3 §4.9, as issuance writes it into DG1 and a reader
// checks it after reading DG1.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sesame::host::eid {

struct Td1 {
  std::string document_code = "I";  // 1-2 characters: I, ID, IR...
  std::string issuing_state;        // 3 letters (ICAO 9303-3 §5), e.g. FRA, UTO, D<<
  std::string document_number;      // up to 9 characters A-Z 0-9
  std::string optional_data_1;      // up to 15 characters
  std::string date_of_birth;        // YYMMDD
  std::string sex;                  // M, F or <
  std::string date_of_expiry;       // YYMMDD
  std::string nationality;          // 3 letters
  std::string optional_data_2;      // up to 11 characters
  std::string primary_identifier;   // surname(s), '<' between words
  std::string secondary_identifier; // given names, '<' between words
};

// The 90 characters (lines concatenated, no newlines). Names are truncated to fit line 3 (ICAO
// 9303-3 §4.6 truncation is simplified: the end is cut). Error(invalid_argument) for a field
// with characters outside A-Z 0-9 '<' or longer than its place.
std::string format_td1(const Td1& fields);

// Upper case, spaces/hyphens/apostrophes to '<', the other characters refused
// (Error(invalid_argument)); ICAO 9303-3 §6 transliteration of accented letters: the few Latin-1
// ones are mapped (É -> E, Ç -> C, ß -> SS, Ä -> AE, Ö -> OE, Ü -> UE, Å -> AA, Ø -> OE, Ñ -> N).
std::string mrz_name(std::string_view utf8);

// Splits the 90 characters back into fields. Error(parse) for a wrong length or character.
Td1 parse_td1(std::string_view mrz);
// Names of the check digits that do not match ("document number", "date of birth", "date of
// expiry", "composite"); empty when all four are right.
std::vector<std::string> td1_check_digit_errors(std::string_view mrz);

}  // namespace sesame::host::eid
