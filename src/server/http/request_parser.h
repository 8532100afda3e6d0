// Incremental HTTP/1.1 request parser (Node's http-parser, Debian libhttp-parser) with sesamed's
// limits: header bytes, body bytes, header count. Feed it what the socket gives; it yields one
// request at a time (a pipelined next request waits in the parser until take()).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include "server/http/http_message.h"

namespace sesame::server::http {

struct Limits {
  std::size_t max_header_bytes = 16384;  // request line and headers together
  std::size_t max_headers = 64;
  std::size_t max_body_bytes = 1 << 20;
};

// A request the parser refuses: the status to answer with (400, 413, 431, 501) and why. The
// connection is closed after that answer (the stream can no longer be trusted).
struct ParseError {
  int status;
  std::string detail;
};

class RequestParser {
 public:
  explicit RequestParser(Limits limits = {});
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Consumes bytes up to the end of the next complete request; returns how many it used (the rest
  // must be fed again after take()). Once error() is set, consumes nothing more.
  std::size_t feed(std::string_view bytes);
  bool complete() const;
  Request take();  // the complete request; the parser then reads the next one
  const std::optional<ParseError>& error() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sesame::server::http
