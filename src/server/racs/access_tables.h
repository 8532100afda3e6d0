// Builds the AccessPolicy from sesamed's configuration: the [racs.users] table and the reference
// RACS server's text tables, so an existing deployment moves over with its files
// (docs/RACS.md, "Access-control files"):
//   users.txt     CN all | CN N SEID1 ... SEIDN
//   <SEID>.txt    AID|default  no|yes  N  user[:filterfile] ...   (no = white list, yes = black list)
//   filter file   MASK VALUE      (8 hex digits each, over CLA INS P1 P2)
// Lines whose first word starts with '/' or '*' are comments. sesame is strict where the
// reference skips silently: a malformed line stops sesamed with the file and line number.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "server/racs/access_policy.h"
#include "server/racs/racs_config.h"

namespace sesame::server::racs {

// Error(Errc::parse) "<source>:<line>: why" for a malformed table.
void parse_users_table(std::string_view text, const std::string& source, AccessPolicy& policy);
ApduFilter parse_filter_table(std::string_view text, const std::string& source);
// `read_filter` returns the text of a filter file named in the table (Error(Errc::io) if missing).
SeidPolicy parse_seid_table(std::string_view text, const std::string& source,
                            const std::function<std::string(const std::string&)>& read_filter);

// users.txt (if present) and <SEID>.txt for every SEID in `seids` that has one.
void load_reference_tables(const std::filesystem::path& dir, const std::vector<std::string>& seids,
                           AccessPolicy& policy);

// [racs.users] plus the tables in acl_dir (resolved against `state_dir`); `seids` are the cards
// whose <SEID>.txt is read (the cards that exist at start, and those users.txt names).
AccessPolicy build_access_policy(const RacsConfig& config, const std::filesystem::path& state_dir,
                                 const std::vector<std::string>& seids);

}  // namespace sesame::server::racs
