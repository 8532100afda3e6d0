// The store's master key file: 32 raw random bytes, mode 0600, owned by the service user.
#pragma once

#include <string>

#include "util/secure_buffer.h"

namespace sesame::store {

// Loads the key at path, or creates it atomically (temp file, fsync, no-clobber link into place,
// fsync of the directory) if there is none. Refuses with Error(Errc::state) a key file that is not a
// regular file, is not 32 bytes, is accessible by group or others, or belongs to another user.
// Throws Error(Errc::io) when the file cannot be read or written.
SecureBytes load_or_create_master_key(const std::string& path);

}  // namespace sesame::store
