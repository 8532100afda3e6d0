// HTTP/1.1 messages as sesamed's HTTPS services see them (docs/HTTP.md). Errors go out as RFC 9457
// problem documents (application/problem+json), never as a bare status line.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sesame::server::http {

// Header names compare case-insensitively (RFC 9110 §5.1).
struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const;
  using is_transparent = void;
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

struct Request {
  std::string method;  // "GET", "POST"...
  std::string target;  // as sent: path and query
  std::string path;    // the target's path, percent-decoding left to the handler
  std::string query;   // after '?', without it
  Headers headers;     // a repeated header's values joined with ", "
  std::string body;
  bool keep_alive = true;

  std::optional<std::string_view> header(std::string_view name) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  static Response json(int status, std::string body);
  // RFC 9457: {"type":"about:blank","title":...,"status":...,"detail":...}
  static Response problem(int status, std::string_view detail);
};

// "Not Found" for 404; "Unknown" for a code sesamed never sends.
std::string_view reason_phrase(int status);
// The status line, headers (Content-Length and Connection set here) and body.
std::string serialize(const Response& response, bool keep_alive);

}  // namespace sesame::server::http
