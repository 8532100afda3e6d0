// Base64 (RFC 4648 §4, padded) and base64url (RFC 4648 §5, unpadded as JOSE uses it, RFC 7515 §2).
#pragma once

#include <string>
#include <string_view>

#include "util/bytes.h"

namespace sesame {

std::string base64_encode(ByteView data);

// Strict: requires correct '=' padding, rejects whitespace, characters outside the alphabet and
// non-zero bits in the unused part of the last character (so every input has one encoding).
// Throws Error(Errc::parse).
Bytes base64_decode(std::string_view text);

// URL-safe alphabet ('-', '_'), no padding.
std::string base64url_encode(ByteView data);

// Strict: rejects padding, whitespace, the standard alphabet's '+' '/', an impossible length
// (4n+1) and non-zero unused bits. Throws Error(Errc::parse).
Bytes base64url_decode(std::string_view text);

}  // namespace sesame
