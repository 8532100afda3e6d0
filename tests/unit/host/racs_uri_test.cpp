// racs://host:port/SEID (RFC 3986 generic syntax, restricted to what RACS needs).
#include "host/racs/racs_uri.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace sesame::host::racs {
namespace {

TEST(RacsUri, ParsesHostPortAndSeid) {
  const RacsUri u = RacsUri::parse("racs://se.example.com:7443/card-01");
  EXPECT_EQ(u.host, "se.example.com");
  EXPECT_EQ(u.port, 7443);
  EXPECT_EQ(u.seid, "card-01");
  EXPECT_EQ(u.str(), "racs://se.example.com:7443/card-01");
}

TEST(RacsUri, DefaultsAndCase) {
  const RacsUri u = RacsUri::parse("RACS://LocalHost");
  EXPECT_EQ(u.host, "localhost");
  EXPECT_EQ(u.port, 7777);
  EXPECT_EQ(u.seid, "");
  EXPECT_EQ(u.str(), "racs://localhost:7777");
  EXPECT_EQ(RacsUri::parse("racs://127.0.0.1/").seid, "");
  EXPECT_EQ(RacsUri::parse("racs://h/Demo.Card_2").seid, "Demo.Card_2");  // the SEID keeps its case
}

TEST(RacsUri, Ipv6) {
  const RacsUri u = RacsUri::parse("racs://[::1]:9000/demo");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 9000);
  EXPECT_EQ(u.str(), "racs://[::1]:9000/demo");
  EXPECT_EQ(RacsUri::parse("racs://[FE80::1]").host, "fe80::1");
}

TEST(RacsUri, RejectsMalformed) {
  for (const char* bad : {"",
                          "racs:/h",
                          "http://h:7777/x",
                          "racs://",
                          "racs://:7777",
                          "racs://h:",
                          "racs://h:0",
                          "racs://h:65536",
                          "racs://h:77a",
                          "racs://h:123456",
                          "racs://user@h",
                          "racs://h/a/b",
                          "racs://h/seid?x=1",
                          "racs://h/seid#f",
                          "racs://h/bad seid",
                          "racs://[::1",
                          "racs://[]",
                          "racs://[::1]x",
                          "racs://[zz::1]",
                          "racs://h_x",
                          "racs://h%20/x"}) {
    EXPECT_THROW(RacsUri::parse(bad), Error) << bad;
  }
  EXPECT_THROW(RacsUri::parse("racs://h/" + std::string(65, 's')), Error);
  EXPECT_NO_THROW(RacsUri::parse("racs://h/" + std::string(64, 's')));
  EXPECT_EQ(RacsUri::parse("racs://h:65535").port, 65535);
}

TEST(RacsUri, SeidCharset) {
  EXPECT_TRUE(is_valid_seid("a"));
  EXPECT_TRUE(is_valid_seid("A-z_0.9"));
  EXPECT_FALSE(is_valid_seid(""));
  EXPECT_FALSE(is_valid_seid("a b"));
  EXPECT_FALSE(is_valid_seid("a/b"));
  EXPECT_FALSE(is_valid_seid("caf\xC3\xA9"));
}

}  // namespace
}  // namespace sesame::host::racs
