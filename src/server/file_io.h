// Small file helpers for the state dir: atomic writes with an exact mode (keys are created 0600,
// never briefly readable by others) and whole-file reads.
#pragma once

#include <filesystem>
#include <string>

#include "util/bytes.h"
#include "util/secure_buffer.h"

namespace sesame::server {

// Writes via a temporary file in the same directory, fsync, then rename over `path`.
// Throws Error(Errc::io).
void write_file_atomic(const std::filesystem::path& path, ByteView content, unsigned mode);

// Creates `dir` (and missing parents) if missing, the dir itself with mode 0700. An existing `dir`
// is left as it is but refused (Error(Errc::state)) when it is a symbolic link, not a directory,
// owned by another user, or writable by group or others. Error(Errc::io) when it cannot be created.
void ensure_private_dir(const std::filesystem::path& dir);

std::string read_text_file(const std::filesystem::path& path);
SecureBytes read_secret_file(const std::filesystem::path& path);

}  // namespace sesame::server
