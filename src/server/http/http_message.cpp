#include "server/http/http_message.h"

#include <nlohmann/json.hpp>

namespace sesame::server::http {

namespace {
bool same_name(std::string_view a, std::string_view b) {
  return !CaseInsensitiveLess{}(a, b) && !CaseInsensitiveLess{}(b, a);
}
}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return x < y;
  }
  return a.size() < b.size();
}

std::optional<std::string_view> Request::header(std::string_view name) const {
  const auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  return std::string_view(it->second);
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers["Content-Type"] = "application/json";
  r.body = std::move(body);
  return r;
}

Response Response::problem(int status, std::string_view detail) {
  Response r;
  r.status = status;
  r.headers["Content-Type"] = "application/problem+json";
  // dump() with replacement: a detail quoting the client's bytes stays valid JSON.
  r.body = nlohmann::json{{"type", "about:blank"},
                          {"title", std::string(reason_phrase(status))},
                          {"status", status},
                          {"detail", std::string(detail)}}
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

std::string serialize(const Response& response, bool keep_alive) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + std::string(reason_phrase(response.status)) +
                    "\r\n";
  for (const auto& [k, v] : response.headers) {
    if (same_name(k, "content-length") || same_name(k, "connection") || same_name(k, "cache-control"))
      continue;  // sesamed sets these itself
    out += k + ": " + v + "\r\n";
  }
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  out += "Cache-Control: no-store\r\n\r\n";  // every answer may carry personal data or keys
  out += response.body;
  return out;
}

}  // namespace sesame::server::http
