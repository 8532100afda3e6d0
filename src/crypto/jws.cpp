#include "crypto/jws.h"

#include <optional>
#include <set>

#include "crypto/ecdsa.h"
#include "util/base64.h"
#include "util/error.h"

namespace sesame::crypto {
namespace {

// Reads the top-level members of a JOSE header that matter here. Strict RFC 8259 grammar: one
// object, nothing after it, duplicate member names refused (RFC 7515 §5.2 allows refusing them).
class HeaderScanner {
 public:
  struct Result {
    std::optional<std::string> alg;
    bool has_crit = false;
  };

  explicit HeaderScanner(std::string_view s) : s_(s) {}

  Result scan() {
    Result r;
    skip_ws();
    expect('{');
    skip_ws();
    if (peek() == '}') {
      ++i_;
    } else {
      std::set<std::string> seen;
      for (;;) {
        skip_ws();
        std::string key = string();
        if (!seen.insert(key).second) bad("duplicate member");
        skip_ws();
        expect(':');
        skip_ws();
        if (key == "alg") {
          if (peek() != '"') bad("\"alg\" is not a string");
          r.alg = string();
        } else {
          if (key == "crit") r.has_crit = true;
          skip_value(0);
        }
        skip_ws();
        const char c = next();
        if (c == ',') continue;
        if (c == '}') break;
        bad("expected ',' or '}'");
      }
    }
    skip_ws();
    if (i_ != s_.size()) bad("trailing characters");
    return r;
  }

 private:
  static constexpr int kMaxDepth = 32;

  [[noreturn]] void bad(const char* why) const {
    fail(Errc::parse, std::string("jws: header is not valid JSON: ") + why + " at offset " + std::to_string(i_));
  }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  char next() {
    if (i_ >= s_.size()) bad("unexpected end");
    return s_[i_++];
  }
  void expect(char c) {
    if (next() != c) bad("unexpected character");
  }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  unsigned hex4() {
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = next();
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
      else bad("bad \\u escape");
    }
    return v;
  }

  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // A JSON string, unescaped (so "\u0061lg" names the same member as "alg").
  std::string string() {
    expect('"');
    std::string out;
    for (;;) {
      const char c = next();
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) bad("control character in string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      switch (next()) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) bad("lone low surrogate");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (next() != '\\' || next() != 'u') bad("lone high surrogate");
            const unsigned lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) bad("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          put_utf8(out, cp);
          break;
        }
        default: bad("bad escape");
      }
    }
  }

  void literal(std::string_view word) {
    for (char c : word)
      if (next() != c) bad("bad literal");
  }

  void digits() {
    if (!(peek() >= '0' && peek() <= '9')) bad("digit expected");
    while (peek() >= '0' && peek() <= '9') ++i_;
  }

  void number() {
    if (peek() == '-') ++i_;
    if (peek() == '0') ++i_;
    else digits();
    if (peek() == '.') {
      ++i_;
      digits();
    }
    if (peek() == 'e' || peek() == 'E') {
      ++i_;
      if (peek() == '+' || peek() == '-') ++i_;
      digits();
    }
  }

  void skip_value(int depth) {
    if (depth > kMaxDepth) bad("nested too deeply");
    const char c = peek();
    if (c == '"') {
      string();
    } else if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++i_;
      skip_ws();
      if (peek() == close) {
        ++i_;
        return;
      }
      for (;;) {
        skip_ws();
        if (c == '{') {
          string();
          skip_ws();
          expect(':');
          skip_ws();
        }
        skip_value(depth + 1);
        skip_ws();
        const char d = next();
        if (d == ',') continue;
        if (d == close) return;
        bad("expected ',' or closing bracket");
      }
    } else if (c == 't') {
      literal("true");
    } else if (c == 'f') {
      literal("false");
    } else if (c == 'n') {
      literal("null");
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      number();
    } else {
      bad("value expected");
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

SignatureHash hash_of(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::es256: return SignatureHash::sha256;
    case JwsAlg::es384: return SignatureHash::sha384;
  }
  fail(Errc::internal, "jws: unknown algorithm");
}

struct CompactParts {
  std::string_view header_b64, payload_b64, signature_b64;
};

CompactParts split(std::string_view compact) {
  const auto d1 = compact.find('.');
  if (d1 == std::string_view::npos) fail(Errc::parse, "jws: not a compact serialisation");
  const auto d2 = compact.find('.', d1 + 1);
  if (d2 == std::string_view::npos || compact.find('.', d2 + 1) != std::string_view::npos)
    fail(Errc::parse, "jws: not a compact serialisation (expected three parts)");
  return {compact.substr(0, d1), compact.substr(d1 + 1, d2 - d1 - 1), compact.substr(d2 + 1)};
}

std::string decode_to_string(std::string_view b64) {
  const Bytes b = base64url_decode(b64);
  return std::string(b.begin(), b.end());
}

}  // namespace

std::string_view jws_alg_name(JwsAlg alg) noexcept {
  switch (alg) {
    case JwsAlg::es256: return "ES256";
    case JwsAlg::es384: return "ES384";
  }
  return "?";
}

JwsAlg jws_alg_for(Curve curve) {
  switch (curve) {
    case Curve::p256: return JwsAlg::es256;
    case Curve::p384: return JwsAlg::es384;
    default: fail(Errc::invalid_argument, "jws: only P-256 (ES256) and P-384 (ES384) keys are supported");
  }
}

std::string jws_sign(std::string_view header_json, ByteView payload, const EcPrivateKey& key) {
  const JwsAlg alg = jws_alg_for(key.curve());
  const auto header = HeaderScanner(header_json).scan();
  if (!header.alg || *header.alg != jws_alg_name(alg))
    fail(Errc::invalid_argument, "jws: header \"alg\" must be " + std::string(jws_alg_name(alg)) + " for this key");
  if (header.has_crit) fail(Errc::invalid_argument, "jws: \"crit\" is not supported");
  std::string out = base64url_encode(as_bytes(header_json));
  out.push_back('.');
  out += base64url_encode(payload);
  const Bytes sig = ecdsa_sign(key, hash_of(alg), as_bytes(out), EcdsaFormat::raw);
  out.push_back('.');
  out += base64url_encode(sig);
  return out;
}

JwsVerified jws_verify(std::string_view compact, const EcPublicKey& key) {
  const CompactParts parts = split(compact);
  std::string header_json = decode_to_string(parts.header_b64);
  const auto header = HeaderScanner(header_json).scan();
  if (!header.alg) fail(Errc::parse, "jws: header has no \"alg\"");
  if (*header.alg == "none") fail(Errc::crypto, "jws: unsecured JWS (alg none) refused");
  if (header.has_crit) fail(Errc::crypto, "jws: \"crit\" extensions are not understood");
  // The key decides the algorithm; the header only has to agree (no algorithm substitution).
  const JwsAlg alg = [&] {
    try {
      return jws_alg_for(key.curve());
    } catch (const Error&) {
      fail(Errc::crypto, "jws: key is not on P-256 or P-384");
    }
  }();
  if (*header.alg != jws_alg_name(alg)) fail(Errc::crypto, "jws: \"alg\" does not match the key");
  const Bytes sig = base64url_decode(parts.signature_b64);
  if (sig.size() != 2 * field_size(key.curve())) fail(Errc::crypto, "jws: signature has the wrong length");
  const std::string_view signing_input =
      compact.substr(0, parts.header_b64.size() + 1 + parts.payload_b64.size());
  if (!ecdsa_verify(key, hash_of(alg), as_bytes(signing_input), sig, EcdsaFormat::raw))
    fail(Errc::crypto, "jws: signature does not verify");
  return {std::move(header_json), base64url_decode(parts.payload_b64), alg};
}

std::string jws_unverified_header(std::string_view compact) {
  const CompactParts parts = split(compact);
  std::string header_json = decode_to_string(parts.header_b64);
  HeaderScanner(header_json).scan();
  return header_json;
}

}  // namespace sesame::crypto
