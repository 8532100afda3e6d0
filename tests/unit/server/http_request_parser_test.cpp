// The HTTP/1.1 request parser's framing and limits (RFC 9112), on top of Debian's http-parser.
#include "server/http/request_parser.h"

#include <gtest/gtest.h>

namespace sesame::server::http {
namespace {

TEST(HttpRequestParser, ParsesARequestWithBodyAndHeaders) {
  RequestParser p;
  const std::string text =
      "POST /v1/units/u1/keys?curve=P-256 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "X-Twice: a\r\nx-twice: b\r\nContent-Length: 7\r\n\r\n{\"a\":1}";
  EXPECT_EQ(p.feed(text), text.size());
  ASSERT_TRUE(p.complete());
  const Request r = p.take();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/v1/units/u1/keys");
  EXPECT_EQ(r.query, "curve=P-256");
  EXPECT_EQ(r.body, "{\"a\":1}");
  EXPECT_EQ(r.header("content-type").value_or(""), "application/json");
  EXPECT_EQ(r.header("X-TWICE").value_or(""), "a, b");
  EXPECT_TRUE(r.keep_alive);
}

TEST(HttpRequestParser, BytesMayArriveOneByOneAndRequestsArePipelined) {
  RequestParser p;
  const std::string two = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::size_t pos = 0;
  while (!p.complete()) pos += p.feed(std::string_view(two).substr(pos, 1));
  EXPECT_EQ(p.take().path, "/a");
  // The second request stays unread until the first is taken.
  pos += p.feed(std::string_view(two).substr(pos));
  ASSERT_TRUE(p.complete());
  const Request b = p.take();
  EXPECT_EQ(b.path, "/b");
  EXPECT_FALSE(b.keep_alive);
  EXPECT_EQ(pos, two.size());
}

TEST(HttpRequestParser, ChunkedBodyIsJoined) {
  RequestParser p;
  const std::string text = "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
  p.feed(text);
  ASSERT_TRUE(p.complete());
  EXPECT_EQ(p.take().body, "abcde");
}

TEST(HttpRequestParser, LimitsGiveTheRightStatus) {
  Limits small;
  small.max_header_bytes = 64;
  small.max_body_bytes = 4;
  small.max_headers = 2;
  {
    RequestParser p(small);
    p.feed("GET /" + std::string(100, 'a') + " HTTP/1.1\r\n\r\n");
    ASSERT_TRUE(p.error());
    EXPECT_EQ(p.error()->status, 431);
  }
  {
    RequestParser p(small);
    p.feed("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n");
    ASSERT_TRUE(p.error());
    EXPECT_EQ(p.error()->status, 431);
  }
  {
    RequestParser p(small);  // announced too large: refused before the body arrives
    p.feed("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n");
    ASSERT_TRUE(p.error());
    EXPECT_EQ(p.error()->status, 413);
  }
  {
    RequestParser p(small);  // chunked, growing past the limit
    p.feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n");
    ASSERT_TRUE(p.error());
    EXPECT_EQ(p.error()->status, 413);
  }
}

TEST(HttpRequestParser, MalformedRequestsAreRefused) {
  for (const std::string bad : {"GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                                "GET / HTTP/1.1\r\nBad Header\r\n\r\n", "GET http://other/ HTTP/1.1\r\n\r\n",
                                "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"}) {
    RequestParser p;
    p.feed(bad);
    ASSERT_TRUE(p.error()) << bad;
    EXPECT_EQ(p.error()->status, 400) << bad;
    EXPECT_FALSE(p.complete());
    EXPECT_EQ(p.feed("GET / HTTP/1.1\r\n\r\n"), 0u) << "nothing more is read after an error";
  }
}

TEST(HttpRequestParser, UpgradeIsNotImplemented) {
  RequestParser p;
  p.feed("GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
  ASSERT_TRUE(p.error());
  EXPECT_EQ(p.error()->status, 501);
}

TEST(HttpMessage, ProblemDocumentsAndSerialisation) {
  const Response r = Response::problem(404, "no \"thing\" \x01 here");
  EXPECT_EQ(r.headers.at("content-type"), "application/problem+json");
  EXPECT_EQ(r.body,
            R"({"detail":"no \"thing\" \u0001 here","status":404,"title":"Not Found","type":"about:blank"})");
  Response ok = Response::json(200, "{}");
  ok.headers["Content-Length"] = "999";  // sesamed sets framing headers itself
  ok.headers["Connection"] = "upgrade";
  EXPECT_EQ(serialize(ok, false),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n"
            "Cache-Control: no-store\r\n\r\n{}");
}

}  // namespace
}  // namespace sesame::server::http
