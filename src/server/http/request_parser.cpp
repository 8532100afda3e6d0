#include "server/http/request_parser.h"

#include <http_parser.h>

#include <string>

namespace sesame::server::http {

struct RequestParser::Impl {
  http_parser parser{};
  http_parser_settings settings{};
  Limits limits;
  Request current;
  std::string field, value;  // the header being read
  bool in_value = false;
  std::size_t header_bytes = 0;
  bool done = false;
  std::optional<ParseError> error;

  explicit Impl(Limits l) : limits(l) {
    http_parser_settings_init(&settings);
    settings.on_message_begin = [](http_parser* p) { return self(p)->begin(); };
    settings.on_url = [](http_parser* p, const char* at, std::size_t n) { return self(p)->url(at, n); };
    settings.on_header_field = [](http_parser* p, const char* at, std::size_t n) { return self(p)->header_field(at, n); };
    settings.on_header_value = [](http_parser* p, const char* at, std::size_t n) { return self(p)->header_value(at, n); };
    settings.on_headers_complete = [](http_parser* p) { return self(p)->headers_complete(); };
    settings.on_body = [](http_parser* p, const char* at, std::size_t n) { return self(p)->body(at, n); };
    settings.on_message_complete = [](http_parser* p) { return self(p)->message_complete(); };
    reset();
  }

  static Impl* self(http_parser* p) { return static_cast<Impl*>(p->data); }

  void reset() {
    http_parser_init(&parser, HTTP_REQUEST);
    parser.data = this;
    current = Request{};
    field.clear();
    value.clear();
    in_value = false;
    header_bytes = 0;
    done = false;
  }

  int fail(int status, std::string detail) {
    if (!error) error = ParseError{status, std::move(detail)};
    return -1;  // stops http_parser_execute (from on_headers_complete, 1 would mean "no body")
  }
  bool count(std::size_t n) {
    header_bytes += n;
    return header_bytes <= limits.max_header_bytes;
  }

  int begin() { return 0; }
  int url(const char* at, std::size_t n) {
    if (!count(n)) return fail(431, "request line and headers exceed " + std::to_string(limits.max_header_bytes) + " bytes");
    current.target.append(at, n);
    return 0;
  }
  int flush_header() {
    if (field.empty()) return 0;
    if (current.headers.size() >= limits.max_headers)
      return fail(431, "more than " + std::to_string(limits.max_headers) + " header fields");
    auto [it, fresh] = current.headers.try_emplace(field, value);
    if (!fresh) it->second += ", " + value;
    field.clear();
    value.clear();
    return 0;
  }
  int header_field(const char* at, std::size_t n) {
    if (!count(n)) return fail(431, "request line and headers exceed " + std::to_string(limits.max_header_bytes) + " bytes");
    if (in_value) {
      if (flush_header()) return -1;
      in_value = false;
    }
    field.append(at, n);
    return 0;
  }
  int header_value(const char* at, std::size_t n) {
    if (!count(n)) return fail(431, "request line and headers exceed " + std::to_string(limits.max_header_bytes) + " bytes");
    in_value = true;
    value.append(at, n);
    return 0;
  }
  int headers_complete() {
    if (in_value && flush_header()) return -1;
    current.method = http_method_str(static_cast<http_method>(parser.method));
    if (parser.http_major != 1) return fail(400, "only HTTP/1.x is spoken here");
    if ((parser.flags & F_CONTENTLENGTH) && parser.content_length > limits.max_body_bytes)
      return fail(413, "body larger than " + std::to_string(limits.max_body_bytes) + " bytes");
    if (parser.upgrade) return fail(501, "protocol upgrades are not supported");
    const auto q = current.target.find('?');
    current.path = current.target.substr(0, q);
    if (q != std::string::npos) current.query = current.target.substr(q + 1);
    if (current.path.empty() || current.path[0] != '/') return fail(400, "the request target must be an absolute path");
    return 0;
  }
  int body(const char* at, std::size_t n) {
    if (current.body.size() + n > limits.max_body_bytes)
      return fail(413, "body larger than " + std::to_string(limits.max_body_bytes) + " bytes");
    current.body.append(at, n);
    return 0;
  }
  int message_complete() {
    if (error) return -1;
    current.keep_alive = http_should_keep_alive(&parser) != 0;
    done = true;
    http_parser_pause(&parser, 1);  // one request at a time: the rest of the bytes wait
    return 0;
  }
};

RequestParser::RequestParser(Limits limits) : impl_(std::make_unique<Impl>(limits)) {}
RequestParser::~RequestParser() = default;

std::size_t RequestParser::feed(std::string_view bytes) {
  Impl& i = *impl_;
  if (i.error || i.done || bytes.empty()) return 0;  // empty input would mean EOF to http_parser
  const std::size_t used = http_parser_execute(&i.parser, &i.settings, bytes.data(), bytes.size());
  const auto err = HTTP_PARSER_ERRNO(&i.parser);
  if (err == HPE_PAUSED) {
    http_parser_pause(&i.parser, 0);
    return used;
  }
  if (err != HPE_OK && !i.error) {
    i.error = ParseError{400, std::string("malformed request: ") + http_errno_description(err)};
    return used;
  }
  return used;
}

bool RequestParser::complete() const { return impl_->done && !impl_->error; }

Request RequestParser::take() {
  Request r = std::move(impl_->current);
  impl_->reset();
  return r;
}

const std::optional<ParseError>& RequestParser::error() const { return impl_->error; }

}  // namespace sesame::server::http
