// The TD1 MRZ and its check digits (host/eid/mrz.h) against the published examples.
#include <gtest/gtest.h>

#include "host/eid/mrz.h"
#include "iso7816/pace.h"
#include "util/error.h"

namespace sesame::host::eid {
namespace {

// ICAO Doc 9303-5 (8th edition), Appendix A to Part 5: the TD1 specimen of Utopia (Anna Maria
// Eriksson), lines 1-3 concatenated.
constexpr const char* kSpecimen =
    "I<UTOD231458907<<<<<<<<<<<<<<<"
    "7408122F1204159UTO<<<<<<<<<<<6"
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";

Td1 specimen_fields() {
  Td1 t;
  t.document_code = "I";
  t.issuing_state = "UTO";
  t.document_number = "D23145890";
  t.date_of_birth = "740812";
  t.sex = "F";
  t.date_of_expiry = "120415";
  t.nationality = "UTO";
  t.primary_identifier = "ERIKSSON";
  t.secondary_identifier = "ANNA<MARIA";
  return t;
}

// ICAO Doc 9303-3 (8th edition) §4.9 "Check digits in the MRZ", the worked examples: the date
// 27 July 1952 (520727) has check digit 3, the document number AB2134<<< has 5.
TEST(EidMrz, CheckDigitsOfIcao9303Part3Examples) {
  EXPECT_EQ(iso7816::pace::mrz_check_digit("520727"), '3');
  EXPECT_EQ(iso7816::pace::mrz_check_digit("AB2134<<<"), '5');
}

TEST(EidMrz, FormatsTheIcao9303Part5Td1Specimen) {
  EXPECT_EQ(format_td1(specimen_fields()), kSpecimen);  // all four check digits, composite included
}

TEST(EidMrz, SpecimenHasNoCheckDigitErrorsAndParsesBack) {
  EXPECT_TRUE(td1_check_digit_errors(kSpecimen).empty());
  const Td1 t = parse_td1(kSpecimen);
  EXPECT_EQ(t.document_number, "D23145890");
  EXPECT_EQ(t.issuing_state, "UTO");
  EXPECT_EQ(t.date_of_birth, "740812");
  EXPECT_EQ(t.date_of_expiry, "120415");
  EXPECT_EQ(t.sex, "F");
  EXPECT_EQ(t.primary_identifier, "ERIKSSON");
  EXPECT_EQ(t.secondary_identifier, "ANNA<MARIA");
  EXPECT_EQ(format_td1(t), kSpecimen);
}

// Threat: an MRZ with a wrong check digit (altered document number, dates or optional data) is
// reported by name.
TEST(EidMrz, WrongCheckDigitsAreNamed) {
  std::string m = kSpecimen;
  m[14] = '8';  // document number check digit
  EXPECT_EQ(td1_check_digit_errors(m), (std::vector<std::string>{"document number", "composite"}));
  m = kSpecimen;
  m[31] = '5';  // a birth date digit: its own and the composite check digit fail
  EXPECT_EQ(td1_check_digit_errors(m), (std::vector<std::string>{"date of birth", "composite"}));
  m = kSpecimen;
  m[44] = '0';  // expiry check digit
  EXPECT_EQ(td1_check_digit_errors(m), (std::vector<std::string>{"date of expiry", "composite"}));
  m = kSpecimen;
  m[20] = 'X';  // optional data 1: only the composite covers it
  EXPECT_EQ(td1_check_digit_errors(m), (std::vector<std::string>{"composite"}));
}

TEST(EidMrz, RefusesMalformedInput) {
  EXPECT_THROW(parse_td1("I<UTO"), Error);
  std::string m = kSpecimen;
  m[70] = 'a';
  EXPECT_THROW(parse_td1(m), Error);
  EXPECT_THROW(td1_check_digit_errors(m), Error);
  Td1 t = specimen_fields();
  t.document_number = "D2314589012";  // longer than 9: not supported
  EXPECT_THROW(format_td1(t), Error);
  t = specimen_fields();
  t.date_of_birth = "7408";
  EXPECT_THROW(format_td1(t), Error);
  t = specimen_fields();
  t.sex = "Q";
  EXPECT_THROW(format_td1(t), Error);
}

TEST(EidMrz, NamesAreTransliteratedAndTruncated) {
  EXPECT_EQ(mrz_name("Anna Maria"), "ANNA<MARIA");
  EXPECT_EQ(mrz_name("Jean-Fran\xC3\xA7ois"), "JEAN<FRANCOIS");
  EXPECT_EQ(mrz_name("M\xC3\xBCller"), "MUELLER");
  EXPECT_THROW(mrz_name("\xE2\x82\xAC"), Error);
  Td1 t = specimen_fields();
  t.primary_identifier = "VERYLONGSURNAMEWITHMANYLETTERS";
  const std::string m = format_td1(t);
  ASSERT_EQ(m.size(), 90u);
  EXPECT_EQ(m.substr(60, 30).size(), 30u);
  EXPECT_TRUE(td1_check_digit_errors(m).empty());
}

}  // namespace
}  // namespace sesame::host::eid
