#include "host/eid/mrz.h"

#include "iso7816/pace.h"
#include "util/error.h"

namespace sesame::host::eid {
namespace {

using iso7816::pace::mrz_check_digit;

bool mrz_char(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<'; }

// '<'-filled to `width`; Error(invalid_argument) naming the field otherwise.
std::string field(std::string_view value, std::size_t width, const char* name) {
  if (value.size() > width) fail(Errc::invalid_argument, std::string("MRZ: ") + name + " is longer than " + std::to_string(width));
  for (char c : value)
    if (!mrz_char(c)) fail(Errc::invalid_argument, std::string("MRZ: ") + name + " has a character outside A-Z 0-9 <");
  std::string s(value);
  s.resize(width, '<');
  return s;
}

std::string date(std::string_view value, const char* name) {
  if (value.size() != 6 || value.find_first_not_of("0123456789") != std::string_view::npos)
    fail(Errc::invalid_argument, std::string("MRZ: ") + name + " is YYMMDD");
  return std::string(value);
}

std::string trim(std::string_view s) {
  const auto end = s.find_last_not_of('<');
  return end == std::string_view::npos ? std::string() : std::string(s.substr(0, end + 1));
}

// Latin-1 letters as UTF-8 (C3 xx) to their ICAO 9303-3 §6 transliteration.
const char* transliterate(unsigned char second) {
  switch (second) {
    case 0x80: case 0x81: case 0x82: case 0x83: case 0xA0: case 0xA1: case 0xA2: case 0xA3: return "A";
    case 0x84: case 0xA4: case 0x86: case 0xA6: return "AE";
    case 0x85: case 0xA5: return "AA";
    case 0x87: case 0xA7: return "C";
    case 0x88: case 0x89: case 0x8A: case 0x8B: case 0xA8: case 0xA9: case 0xAA: case 0xAB: return "E";
    case 0x8C: case 0x8D: case 0x8E: case 0x8F: case 0xAC: case 0xAD: case 0xAE: case 0xAF: return "I";
    case 0x91: case 0xB1: return "N";
    case 0x92: case 0x93: case 0x94: case 0x95: case 0xB2: case 0xB3: case 0xB4: case 0xB5: return "O";
    case 0x96: case 0xB6: case 0x98: case 0xB8: return "OE";
    case 0x99: case 0x9A: case 0x9B: case 0xB9: case 0xBA: case 0xBB: return "U";
    case 0x9C: case 0xBC: return "UE";
    case 0x9D: case 0xBD: case 0xBF: return "Y";
    case 0x9F: return "SS";
    default: return nullptr;
  }
}

}  // namespace

std::string mrz_name(std::string_view utf8) {
  std::string out;
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c >= 'a' && c <= 'z') {
      out.push_back(static_cast<char>(c - 'a' + 'A'));
    } else if ((c >= 'A' && c <= 'Z') || c == '<') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ' || c == '-' || c == '\'') {
      out.push_back('<');
    } else if (c == 0xC3 && i + 1 < utf8.size() && transliterate(static_cast<unsigned char>(utf8[i + 1]))) {
      out += transliterate(static_cast<unsigned char>(utf8[++i]));
    } else {
      fail(Errc::invalid_argument, "MRZ: a name has a character that cannot be transliterated");
    }
  }
  return out;
}

std::string format_td1(const Td1& f) {
  if (f.document_code.empty()) fail(Errc::invalid_argument, "MRZ: document code is empty");
  if (f.issuing_state.empty() || f.nationality.empty()) fail(Errc::invalid_argument, "MRZ: issuing state and nationality are required");
  if (f.document_number.empty()) fail(Errc::invalid_argument, "MRZ: document number is empty");
  if (f.sex != "M" && f.sex != "F" && f.sex != "<" && f.sex != "X")
    fail(Errc::invalid_argument, "MRZ: sex is M, F or X");
  const std::string sex = f.sex == "X" ? "<" : f.sex;  // ICAO 9303-3 §4.2: unspecified is '<'
  const std::string number = field(f.document_number, 9, "document number");
  const std::string opt1 = field(f.optional_data_1, 15, "optional data 1");
  const std::string birth = date(f.date_of_birth, "date of birth");
  const std::string expiry = date(f.date_of_expiry, "date of expiry");
  const std::string opt2 = field(f.optional_data_2, 11, "optional data 2");

  std::string line1 = field(f.document_code, 2, "document code") + field(f.issuing_state, 3, "issuing state") +
                      number + mrz_check_digit(number) + opt1;
  std::string line2 = birth + mrz_check_digit(birth) + sex + expiry + mrz_check_digit(expiry) +
                      field(f.nationality, 3, "nationality") + opt2;
  // ICAO 9303-5 §4.2.2: composite over line 1 positions 6-30, line 2 positions 1-7, 9-15, 19-29.
  const std::string composite = line1.substr(5) + line2.substr(0, 7) + line2.substr(8, 7) + line2.substr(18, 11);
  line2.push_back(mrz_check_digit(composite));

  std::string primary = field(f.primary_identifier.substr(0, std::min<std::size_t>(f.primary_identifier.size(), 28)),
                              28, "primary identifier");
  primary = trim(primary);
  std::string line3 = primary + "<<" + f.secondary_identifier;
  for (char c : f.secondary_identifier)
    if (!mrz_char(c)) fail(Errc::invalid_argument, "MRZ: secondary identifier has a character outside A-Z 0-9 <");
  if (line3.size() > 30) line3.resize(30);
  line3.resize(30, '<');
  return line1 + line2 + line3;
}

Td1 parse_td1(std::string_view m) {
  if (m.size() != 90) fail(Errc::parse, "MRZ: a TD1 MRZ has 90 characters");
  for (char c : m)
    if (!mrz_char(c)) fail(Errc::parse, "MRZ: character outside A-Z 0-9 <");
  Td1 t;
  t.document_code = trim(m.substr(0, 2));
  t.issuing_state = trim(m.substr(2, 3));
  t.document_number = trim(m.substr(5, 9));
  t.optional_data_1 = trim(m.substr(15, 15));
  t.date_of_birth = std::string(m.substr(30, 6));
  t.sex = std::string(m.substr(37, 1));
  t.date_of_expiry = std::string(m.substr(38, 6));
  t.nationality = trim(m.substr(45, 3));
  t.optional_data_2 = trim(m.substr(48, 11));
  const std::string_view names = m.substr(60, 30);
  const auto sep = names.find("<<");
  t.primary_identifier = trim(names.substr(0, sep));
  if (sep != std::string_view::npos) t.secondary_identifier = trim(names.substr(sep + 2));
  return t;
}

std::vector<std::string> td1_check_digit_errors(std::string_view m) {
  if (m.size() != 90) fail(Errc::parse, "MRZ: a TD1 MRZ has 90 characters");
  for (char c : m)
    if (!mrz_char(c)) fail(Errc::parse, "MRZ: character outside A-Z 0-9 <");
  std::vector<std::string> bad;
  auto check = [&](std::string_view data, char digit, const char* name) {
    if (mrz_check_digit(data) != digit) bad.emplace_back(name);
  };
  check(m.substr(5, 9), m[14], "document number");
  check(m.substr(30, 6), m[36], "date of birth");
  check(m.substr(38, 6), m[44], "date of expiry");
  const std::string composite = std::string(m.substr(5, 25)) + std::string(m.substr(30, 7)) +
                                std::string(m.substr(38, 7)) + std::string(m.substr(48, 11));
  check(composite, m[59], "composite");
  return bad;
}

}  // namespace sesame::host::eid
