#include "util/tlv.h"

#include <gtest/gtest.h>

#include <string>

#include "util/byte_reader.h"
#include "util/error.h"
#include "util/hex.h"

namespace sesame {
namespace {

// Runs `f`, expects Error with `code` whose message contains `needle`.
template <typename F>
void expect_error(F&& f, Errc code, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no exception, expected one containing \"" << needle << "\"";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

void expect_parse_error(const std::string& hex, const std::string& needle, TlvMode mode = TlvMode::lenient) {
  SCOPED_TRACE(hex);
  expect_error([&] { parse_tlv(from_hex(hex), mode); }, Errc::parse, needle);
}

Bytes ascii(std::string_view s) {
  auto v = as_bytes(s);
  return {v.begin(), v.end()};
}

// FCI of a Visa application after SELECT, laid out as EMV Book 1 v4.3 §11.3.4 Table 45 specifies:
// 6F { 84 DF name, A5 { 50 label, 87 priority, 9F38 PDOL, 5F2D language } }. AID A0000000031010 is
// Visa's registered RID+PIX; the PDOL asks for 9F66 (TTQ), 9F02, 9F37 and 5F2A as qVSDC kernels do.
constexpr const char* kVisaFci =
    "6F2F"
    "8407A0000000031010"
    "A524"
    "500B5649534120435245444954"
    "870101"
    "9F380C9F66049F02069F37045F2A02"
    "5F2D02656E";

// PPSE answer as EMV Contactless Book B (Entry Point, SELECT PPSE response) lays it out: 6F { 84 "2PAY.SYS.DDF01",
// A5 { BF0C { 61 { 4F AID, 87 priority } } } }.
constexpr const char* kPpse =
    "6F23"
    "840E325041592E5359532E4444463031"
    "A511BF0C0E610C4F07A0000000031010870101";

// EF.COM as ICAO Doc 9303 Part 10 (7th ed.) §4.6.1 defines it: 60 { 5F01 LDS version "0107",
// 5F36 Unicode version "040000", 5C tag list: DG1 (61), DG2 (75), DG14 (6E), DG15 (6F) }.
constexpr const char* kEfCom = "60165F0104303130375F36063034303030305C0461756E6F";

// RSA-2048 public key template as the OpenPGP card returns it from GENERATE ASYMMETRIC KEY PAIR
// (OpenPGP Smart Card Application v3.4 §7.2.14): 7F49 82 0109 { 81 82 0100 modulus, 82 03 010001 }.
Bytes openpgp_rsa_pubkey(Bytes& modulus) {
  modulus.assign(256, 0);
  for (std::size_t i = 0; i < modulus.size(); ++i) modulus[i] = static_cast<std::uint8_t>(0xC3 ^ (i * 7));
  Bytes out = from_hex("7F4982010981820100");
  append(out, modulus);
  append(out, from_hex("8203010001"));
  return out;
}

// n levels of context-specific constructed A0, the innermost empty.
Bytes nested(std::size_t n) {
  Bytes inner;
  for (std::size_t i = 0; i < n; ++i) inner = tlv_encode(0xA0, inner);
  return inner;
}

}  // namespace

TEST(TlvTag, AccessorsOnRealTags) {
  EXPECT_TRUE(tag_valid(0x50));
  EXPECT_EQ(tag_size(0x50), 1u);
  EXPECT_EQ(tag_class(0x50), TagClass::application);
  EXPECT_FALSE(tag_constructed(0x50));
  EXPECT_EQ(tag_number(0x50), 0x10u);

  EXPECT_TRUE(tag_constructed(0x6F));
  EXPECT_TRUE(tag_constructed(0xA5));
  EXPECT_EQ(tag_class(0xA5), TagClass::context);
  EXPECT_EQ(tag_class(0x30), TagClass::universal);

  EXPECT_TRUE(tag_valid(0x9F7F));
  EXPECT_EQ(tag_size(0x9F7F), 2u);
  EXPECT_EQ(tag_class(0x9F7F), TagClass::context);
  EXPECT_FALSE(tag_constructed(0x9F7F));
  EXPECT_EQ(tag_number(0x9F7F), 0x7Fu);

  EXPECT_EQ(tag_class(0x5F20), TagClass::application);
  EXPECT_EQ(tag_number(0x5F20), 0x20u);
  EXPECT_TRUE(tag_constructed(0x7F49));
  EXPECT_EQ(tag_number(0x7F49), 0x49u);
  EXPECT_TRUE(tag_constructed(0xBF0C));
  EXPECT_EQ(tag_class(0xFF40), TagClass::private_);  // GlobalPlatform SEAC Response-ALL-REF-AR-DO

  EXPECT_TRUE(tag_valid(0x5F8101));
  EXPECT_EQ(tag_size(0x5F8101), 3u);
  EXPECT_EQ(tag_number(0x5F8101), 129u);
  EXPECT_EQ(tag_class(0x5F8101), TagClass::application);
  EXPECT_TRUE(tag_constructed(0x7F8101));

  EXPECT_TRUE(tag_valid(0x9F02));  // EMV uses long-form numbers below 31
}

TEST(TlvTag, MalformedTagsAreInvalid) {
  EXPECT_FALSE(tag_valid(0x00));
  EXPECT_FALSE(tag_valid(0x1F));      // announces more bytes
  EXPECT_FALSE(tag_valid(0x9F));
  EXPECT_FALSE(tag_valid(0x5081));    // first byte does not announce a second
  EXPECT_FALSE(tag_valid(0x5F81));    // last byte has b8 set
  EXPECT_FALSE(tag_valid(0x1F00));    // tag number 0 in long form
  EXPECT_FALSE(tag_valid(0x1F8001));  // leading zero subsequent byte (ISO/IEC 8825-1 §8.1.2.4.2)
  EXPECT_FALSE(tag_valid(0x5F0101));  // middle byte without continuation
  EXPECT_FALSE(tag_valid(0x5F8181));  // last byte with continuation
  EXPECT_FALSE(tag_valid(0x01'5F8101));
  EXPECT_THROW(encode_tag(0x5F81), Error);
  expect_error([] { tlv_encode(0x1F00, {}); }, Errc::invalid_argument, "malformed tag 1F00");
}

TEST(TlvEncode, LengthForms) {
  // ISO/IEC 7816-4 §5.2.2.2 Table 8.
  EXPECT_EQ(encode_length(0), from_hex("00"));
  EXPECT_EQ(encode_length(0x7F), from_hex("7F"));
  EXPECT_EQ(encode_length(0x80), from_hex("8180"));
  EXPECT_EQ(encode_length(0xFF), from_hex("81FF"));
  EXPECT_EQ(encode_length(0x100), from_hex("820100"));
  EXPECT_EQ(encode_length(0xFFFF), from_hex("82FFFF"));
  EXPECT_EQ(encode_length(0x10000), from_hex("83010000"));
  EXPECT_EQ(encode_length(0xFFFFFF), from_hex("83FFFFFF"));
  EXPECT_EQ(encode_length(0x1000000), from_hex("8401000000"));
  EXPECT_EQ(encode_length(0xFFFFFFFF), from_hex("84FFFFFFFF"));
  expect_error([] { encode_length(std::size_t{0x100000000}); }, Errc::invalid_argument, "length");
}

TEST(TlvEncode, TagsAndObjects) {
  EXPECT_EQ(encode_tag(0x84), from_hex("84"));
  EXPECT_EQ(encode_tag(0x9F38), from_hex("9F38"));
  EXPECT_EQ(encode_tag(0x5F8101), from_hex("5F8101"));
  EXPECT_EQ(tlv_encode(0x5F20, ascii("DOE")), from_hex("5F2003444F45"));
  EXPECT_EQ(tlv_encode(0x53, Bytes(0x80, 0xAB)).size(), 1u + 2u + 0x80u);
  EXPECT_EQ(tlv_encode(0x53, Bytes(0x80, 0xAB))[1], 0x81);
  Bytes out = from_hex("AA");
  append_tlv(out, 0x8E, {});
  EXPECT_EQ(out, from_hex("AA8E00"));
}

TEST(TlvParse, EmvFciTemplate) {
  const Bytes raw = from_hex(kVisaFci);
  const Tlv fci = parse_one(raw);
  EXPECT_EQ(fci.tag(), 0x6Fu);
  ASSERT_EQ(fci.children().size(), 2u);
  EXPECT_EQ(fci.require(0x84).value(), from_hex("A0000000031010"));
  const Tlv& a5 = fci.require(0xA5);
  EXPECT_TRUE(a5.is_constructed());
  EXPECT_EQ(a5.children().size(), 4u);
  EXPECT_EQ(a5.require(0x50).value(), ascii("VISA CREDIT"));
  EXPECT_EQ(a5.require(0x87).value(), from_hex("01"));
  const Tlv* pdol = fci.find_path({0xA5, 0x9F38});
  ASSERT_NE(pdol, nullptr);
  EXPECT_EQ(pdol->value(), from_hex("9F66049F02069F37045F2A02"));
  EXPECT_TRUE(pdol->children().empty());  // a DOL is primitive: tags and lengths without values
  EXPECT_EQ(fci.find_deep(0x9F38), pdol);
  EXPECT_EQ(fci.find_deep(0x5F2D)->value(), ascii("en"));
  EXPECT_EQ(fci.find(0x9F38), nullptr);  // not a direct child
  EXPECT_EQ(fci.find_path({0xA5, 0xBF0C}), nullptr);
  expect_error([&] { (void)fci.require(0x88); }, Errc::parse, "mandatory tag 88 missing in 6F");
  EXPECT_EQ(fci.encode(), raw);
  EXPECT_EQ(parse_one(raw, TlvMode::strict), fci);  // this FCI happens to be valid DER too
}

TEST(TlvParse, EmvPpseWithBf0c) {
  const Bytes raw = from_hex(kPpse);
  const Tlv fci = parse_one(raw);
  EXPECT_EQ(fci.require(0x84).value(), ascii("2PAY.SYS.DDF01"));
  const Tlv* entry = fci.find_path({0xA5, 0xBF0C, 0x61});
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->require(0x4F).value(), from_hex("A0000000031010"));
  EXPECT_EQ(fci.find_deep(0x87)->value(), from_hex("01"));
  EXPECT_EQ(fci.encode(), raw);
  // BF0C codes tag number 12 in the long form: valid BER as EMV uses it, not DER.
  expect_error([&] { parse_one(raw, TlvMode::strict); }, Errc::parse, "non-minimal tag BF0C");
}

TEST(TlvParse, IcaoEfCom) {
  const Bytes raw = from_hex(kEfCom);
  const Tlv com = parse_one(raw);
  EXPECT_EQ(com.tag(), 0x60u);
  EXPECT_EQ(com.tag_class(), TagClass::application);
  EXPECT_EQ(com.require(0x5F01).value(), ascii("0107"));
  EXPECT_EQ(com.require(0x5F36).value(), ascii("040000"));
  EXPECT_EQ(com.require(0x5C).value(), from_hex("61756E6F"));
  EXPECT_EQ(com.encode(), raw);
  // Knowing the file length from its first four bytes (how a reader sizes READ BINARY).
  const TlvHeader h = parse_tlv_header(ByteView(raw).first(4));
  EXPECT_EQ(h.tag, 0x60u);
  EXPECT_EQ(h.header_size, 2u);
  EXPECT_EQ(h.value_size, 0x16u);
  EXPECT_EQ(h.total_size(), raw.size());
}

TEST(TlvParse, OpenPgpPublicKeyTemplateWithTwoByteLengths) {
  Bytes modulus;
  const Bytes raw = openpgp_rsa_pubkey(modulus);
  ASSERT_EQ(raw.size(), 5u + 0x109u);
  for (TlvMode mode : {TlvMode::lenient, TlvMode::strict}) {
    const Tlv key = parse_one(raw, mode);
    EXPECT_EQ(key.tag(), 0x7F49u);
    EXPECT_TRUE(key.is_constructed());
    EXPECT_EQ(key.value().size(), 0x109u);
    EXPECT_EQ(key.require(0x81).value(), modulus);
    EXPECT_EQ(key.require(0x82).value(), from_hex("010001"));
    EXPECT_EQ(key.encode(), raw);
  }
  const TlvHeader h = parse_tlv_header(raw);
  EXPECT_EQ(h.header_size, 5u);
  EXPECT_EQ(h.value_size, 0x109u);
}

TEST(TlvParse, SequencesAndFindAll) {
  // A record of an EMV AFL-read file: 70 { 57 track 2, 5A PAN, 5F24 expiry } followed by another 70.
  const Bytes raw = from_hex("7008570212345A029876 70065F2403251231");
  const auto seq = parse_tlv(raw);
  ASSERT_EQ(seq.size(), 2u);
  EXPECT_EQ(find_tlv(seq, 0x70), &seq[0]);
  EXPECT_EQ(find_tlv(seq, 0x77), nullptr);
  EXPECT_EQ(seq[1].require(0x5F24).value(), from_hex("251231"));
  EXPECT_EQ(encode_tlvs(seq), raw);

  const Tlv list = parse_one(from_hex("E10C4F01AA4F02BBCC500141 4F00"));
  const auto aids = list.find_all(0x4F);
  ASSERT_EQ(aids.size(), 3u);
  EXPECT_EQ(aids[0]->value(), from_hex("AA"));
  EXPECT_EQ(aids[1]->value(), from_hex("BBCC"));
  EXPECT_TRUE(aids[2]->value().empty());
  EXPECT_TRUE(list.find_all(0x51).empty());
  EXPECT_TRUE(parse_tlv({}).empty());
}

TEST(TlvParse, LenientAcceptsNonMinimalLengthsStrictRefuses) {
  const Bytes want = from_hex("AABBCCDDEE");
  for (const char* hex : {"508105AABBCCDDEE", "50820005AABBCCDDEE", "5083000005AABBCCDDEE", "508400000005AABBCCDDEE"}) {
    SCOPED_TRACE(hex);
    const Tlv t = parse_one(from_hex(hex));
    EXPECT_EQ(t.value(), want);
    EXPECT_EQ(t.encode(), from_hex("5005AABBCCDDEE"));  // re-encoded minimally
    expect_error([&] { parse_one(from_hex(hex), TlvMode::strict); }, Errc::parse, "non-minimal length");
  }
  // 81 80 and 82 0100 are the minimal forms of 128 and 256.
  Bytes b128 = from_hex("538180");
  b128.resize(3 + 128, 0x11);
  EXPECT_EQ(parse_one(b128, TlvMode::strict).value().size(), 128u);
  Bytes b256 = from_hex("53820100");
  b256.resize(4 + 256, 0x22);
  EXPECT_EQ(parse_one(b256, TlvMode::strict).value().size(), 256u);
  Bytes padded128 = from_hex("53820080");
  padded128.resize(4 + 128, 0x33);
  EXPECT_EQ(parse_one(padded128).value().size(), 128u);
  expect_error([&] { parse_one(padded128, TlvMode::strict); }, Errc::parse, "non-minimal length encoding of 128");
}

TEST(TlvParse, PaddingBetweenObjects) {
  // EMV Book 3 Annex B: '00' bytes may precede, separate and follow data objects.
  const Bytes raw = from_hex("0000 5001AA 00 7003 8E0000 0000");
  const auto seq = parse_tlv(raw);
  ASSERT_EQ(seq.size(), 2u);
  EXPECT_EQ(seq[0].value(), from_hex("AA"));
  EXPECT_EQ(seq[1].value(), from_hex("8E0000"));  // padding inside is kept in the value...
  ASSERT_EQ(seq[1].children().size(), 1u);        // ...and skipped when parsing the children
  EXPECT_EQ(parse_one(from_hex("00 5001AA 0000")).value(), from_hex("AA"));
  expect_parse_error("005001AA", "padding or tag 00 not allowed in DER", TlvMode::strict);
  expect_parse_error("5001AA00", "padding or tag 00 not allowed in DER", TlvMode::strict);
  expect_error([] { parse_one(from_hex("5001AA00"), TlvMode::strict); }, Errc::parse, "trailing bytes");
  // 'FF' starts a real tag (GlobalPlatform SEAC FF40), it is never padding.
  const Tlv seac = parse_one(from_hex("FF4004E200E300"));
  EXPECT_EQ(seac.tag(), 0xFF40u);
  EXPECT_EQ(seac.children().size(), 2u);
  expect_parse_error("FF", "truncated tag");
}

TEST(TlvParse, RejectsIndefiniteAndOverlongLengths) {
  expect_parse_error("6F80500100 0000", "indefinite length (80)");
  expect_parse_error("6F80500100 0000", "indefinite length (80)", TlvMode::strict);
  expect_parse_error("50850000000001AA", "length field of 5 bytes");
  expect_parse_error("50FF", "length field of 127 bytes");
  // A declared length far beyond the input fails before anything is allocated.
  expect_parse_error("5084FFFFFFFF00", "declares 4294967295 bytes, only 1 left");
}

TEST(TlvParse, RejectsTruncation) {
  expect_parse_error("9F", "truncated tag at offset 0");
  expect_parse_error("7F", "truncated tag");
  expect_parse_error("5F81", "truncated tag");
  expect_parse_error("50", "truncated length at offset 1");
  expect_parse_error("5081", "truncated length");
  expect_parse_error("508201", "truncated length");
  expect_parse_error("50840000", "truncated length");
  expect_parse_error("5003AABB", "declares 3 bytes, only 2 left");
  expect_parse_error("5001AA 51", "truncated length at offset 4");
  // A child running past its parent's end is refused even though the buffer continues.
  expect_parse_error("6F04 5005AABB CCDDEE", "declares 5 bytes, only 2 left at offset 2");
  expect_error([] { parse_one({}); }, Errc::parse, "no data object");
  expect_error([] { parse_one(from_hex("0000")); }, Errc::parse, "no data object");
}

TEST(TlvParse, RejectsMalformedTags) {
  expect_parse_error("1F8181810100", "tag longer than 3 bytes");
  expect_parse_error("1F800100", "malformed tag 1F8001");
  expect_parse_error("1F0000", "malformed tag 1F00");
  // Long-form numbers below 31: BER (EMV 9F02), not DER.
  EXPECT_EQ(parse_one(from_hex("9F0206000000001000")).tag(), 0x9F02u);
  expect_parse_error("9F0206000000001000", "non-minimal tag 9F02", TlvMode::strict);
  EXPECT_EQ(parse_one(from_hex("5F1F01AA"), TlvMode::strict).tag(), 0x5F1Fu);  // 31 is the first long-form number
}

TEST(TlvParse, TrailingGarbageInParseOne) {
  expect_error([] { parse_one(from_hex("5001AA 5001BB")); }, Errc::parse, "trailing bytes after tag 50");
  expect_error([] { parse_one(from_hex("5001AA FF")); }, Errc::parse, "1 trailing bytes");
  std::size_t used = 0;
  const Tlv first = parse_first(from_hex("00 5001AA 5001BB"), used);
  EXPECT_EQ(first.value(), from_hex("AA"));
  EXPECT_EQ(used, 4u);
}

TEST(TlvParse, NestingLimit) {
  const auto deepest = [](const Tlv& t) {
    std::size_t d = 1;
    for (const Tlv* at = &t; !at->children().empty(); at = &at->children()[0]) ++d;
    return d;
  };
  EXPECT_EQ(deepest(parse_one(nested(kTlvMaxDepth))), kTlvMaxDepth);
  EXPECT_EQ(deepest(parse_one(nested(kTlvMaxDepth), TlvMode::strict)), kTlvMaxDepth);
  expect_error([] { parse_one(nested(kTlvMaxDepth + 1)); }, Errc::parse, "nesting deeper than 16 levels");
  expect_error([] { parse_one(nested(1000)); }, Errc::parse, "nesting deeper than 16 levels");
  // A primitive object at the deepest level is fine; its bytes are not looked into.
  Bytes inner = tlv_encode(0x80, nested(3));
  for (std::size_t i = 1; i < kTlvMaxDepth; ++i) inner = tlv_encode(0xA0, inner);
  EXPECT_EQ(deepest(parse_one(inner)), kTlvMaxDepth);
}

TEST(TlvBuild, ConstructedObjectsRoundTrip) {
  const Tlv fci = Tlv::constructed(
      0x6F, {Tlv(0x84, from_hex("A0000000031010")),
             Tlv::constructed(0xA5, {Tlv(0x50, ascii("VISA CREDIT")), Tlv(0x87, from_hex("01")),
                                     Tlv(0x9F38, from_hex("9F66049F02069F37045F2A02")), Tlv(0x5F2D, ascii("en"))})});
  EXPECT_EQ(fci.encode(), from_hex(kVisaFci));
  EXPECT_EQ(parse_one(fci.encode(), TlvMode::strict), fci);

  // A constructed tag given a raw value parses it into children.
  const Tlv a5(0xA5, from_hex("8701019F3800"));
  ASSERT_EQ(a5.children().size(), 2u);
  EXPECT_EQ(a5.require(0x9F38).value().size(), 0u);
  expect_error([] { Tlv(0xA5, from_hex("8705")); }, Errc::parse, "declares 5 bytes");
  expect_error([] { Tlv::constructed(0x50, {}); }, Errc::invalid_argument, "not a constructed tag");
  expect_error([] { Tlv(0x1F, {}); }, Errc::invalid_argument, "malformed tag");

  // Large values take the 82 and 83 length forms and parse back.
  const Tlv big(0x53, Bytes(70000, 0x5A));
  const Bytes enc = big.encode();
  EXPECT_EQ(Bytes(enc.begin(), enc.begin() + 5), from_hex("5383011170"));
  EXPECT_EQ(parse_one(enc, TlvMode::strict), big);
}

TEST(ByteReader, ReadsBigEndianAndChecksBounds) {
  const Bytes raw = from_hex("01 0203 040506 0708090A 0B0C");
  ByteReader r(raw, "test");
  EXPECT_EQ(r.peek(), 0x01);
  EXPECT_EQ(r.u8(), 0x01);
  EXPECT_EQ(r.u16(), 0x0203);
  EXPECT_EQ(r.u24(), 0x040506u);
  EXPECT_EQ(r.u32(), 0x0708090Au);
  EXPECT_EQ(r.offset(), 10u);
  EXPECT_EQ(r.remaining(), 2u);
  expect_error([&] { r.expect_end(); }, Errc::parse, "test: 2 unexpected trailing bytes at offset 10");
  expect_error([&] { r.u32(); }, Errc::parse, "test: truncated, need 4 bytes at offset 10, 2 left");
  expect_error([&] { r.bytes(3); }, Errc::parse, "truncated");
  expect_error([&] { r.skip(3); }, Errc::parse, "truncated");
  EXPECT_EQ(r.offset(), 10u);  // failed reads consume nothing
  const ByteView b = r.bytes(2);
  EXPECT_EQ(Bytes(b.begin(), b.end()), from_hex("0B0C"));
  EXPECT_TRUE(r.empty());
  r.expect_end();
  EXPECT_THROW(r.u8(), Error);
  EXPECT_THROW(r.peek(), Error);
  EXPECT_TRUE(r.rest().empty());
}

}  // namespace sesame
