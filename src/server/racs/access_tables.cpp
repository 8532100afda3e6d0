#include "server/racs/access_tables.h"

#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include "util/error.h"

namespace sesame::server::racs {
namespace {

std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const std::size_t s = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > s) out.emplace_back(line.substr(s, i - s));
  }
  return out;
}

// Calls f(line_number, words) for every line that is not blank or a comment.
template <typename F>
void for_each_line(std::string_view text, F f) {
  std::size_t n = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++n;
    auto w = words(line);
    if (w.empty() || w[0][0] == '/' || w[0][0] == '*') continue;
    f(n, w);
  }
}

[[noreturn]] void bad(const std::string& source, std::size_t line, const std::string& why) {
  fail(Errc::parse, source + ":" + std::to_string(line) + ": " + why);
}

std::size_t count_of(const std::string& s, const std::string& source, std::size_t line) {
  std::size_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v > 10000)
    bad(source, line, "expected a count, got \"" + s + "\"");
  return v;
}

std::optional<Bytes> hex(const std::string& s) {
  if (s.size() % 2 != 0) return std::nullopt;
  Bytes out;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    unsigned v = 0;
    const auto r = std::from_chars(s.data() + i, s.data() + i + 2, v, 16);
    if (r.ec != std::errc() || r.ptr != s.data() + i + 2) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(v));
  }
  return out;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) fail(Errc::io, "racs: cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool plain_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\\') == std::string::npos;
}

}  // namespace

void parse_users_table(std::string_view text, const std::string& source, AccessPolicy& policy) {
  for_each_line(text, [&](std::size_t n, const std::vector<std::string>& w) {
    if (w.size() < 2) bad(source, n, "expected: CN all | CN N SEID...");
    if (w[1] == "all") {
      if (w.size() != 2) bad(source, n, "nothing may follow \"all\"");
      policy.allow_all_seids(w[0]);
      return;
    }
    const std::size_t count = count_of(w[1], source, n);
    if (w.size() != 2 + count)
      bad(source, n, "user " + w[0] + " lists " + std::to_string(w.size() - 2) + " SEIDs, count says " +
                         std::to_string(count));
    policy.add_user(w[0]);  // a user with no SEIDs is known (and sees nothing)
    for (std::size_t i = 2; i < w.size(); ++i) policy.allow_seid(w[0], w[i]);
  });
}

ApduFilter parse_filter_table(std::string_view text, const std::string& source) {
  ApduFilter f;
  for_each_line(text, [&](std::size_t n, const std::vector<std::string>& w) {
    std::string joined;
    for (const auto& x : w) joined += x;
    const auto b = hex(joined);
    if (!b || b->size() != 8) bad(source, n, "expected MASK VALUE, 4 hex bytes each (CLA INS P1 P2)");
    FilterPair p;
    for (std::size_t i = 0; i < 4; ++i) {
      p.mask[i] = (*b)[i];
      p.value[i] = (*b)[4 + i];
      if ((p.value[i] & ~p.mask[i]) != 0) bad(source, n, "value has bits the mask clears: it can never match");
    }
    f.pairs.push_back(p);
  });
  return f;
}

SeidPolicy parse_seid_table(std::string_view text, const std::string& source,
                            const std::function<std::string(const std::string&)>& read_filter) {
  SeidPolicy policy;
  bool have_default = false;
  for_each_line(text, [&](std::size_t n, const std::vector<std::string>& w) {
    if (w.size() < 3) bad(source, n, "expected: AID|default no|yes N user[:filter]...");
    AidRule rule;
    if (w[0] != "default") {
      auto aid = hex(w[0]);
      if (!aid || aid->size() < 5 || aid->size() > 16) bad(source, n, "an AID is 5-16 bytes of hex, or default");
      rule.aid = std::move(*aid);
    } else {
      if (have_default) bad(source, n, "a second default line");
      have_default = true;
    }
    if (w[1] == "yes")
      rule.black_list = true;
    else if (w[1] != "no")
      bad(source, n, "expected no (white list) or yes (black list), got \"" + w[1] + "\"");
    const std::size_t count = count_of(w[2], source, n);
    if (w.size() != 3 + count)
      bad(source, n, "lists " + std::to_string(w.size() - 3) + " users, count says " + std::to_string(count));
    for (std::size_t i = 3; i < w.size(); ++i) {
      AidRule::Entry e;
      const auto colon = w[i].find(':');
      e.user = w[i].substr(0, colon);
      if (e.user.empty()) bad(source, n, "empty user name");
      if (colon != std::string::npos) {
        const std::string file = w[i].substr(colon + 1);
        if (!plain_file_name(file)) bad(source, n, "a filter is a file name in the same directory: " + file);
        // As in the reference server, a black list ignores filters: its users are refused anyway.
        if (!rule.black_list) e.filter = parse_filter_table(read_filter(file), file);
      }
      rule.users.push_back(std::move(e));
    }
    policy.rules.push_back(std::move(rule));
  });
  return policy;
}

void load_reference_tables(const std::filesystem::path& dir, const std::vector<std::string>& seids,
                           AccessPolicy& policy) {
  if (!std::filesystem::is_directory(dir)) fail(Errc::io, "racs: acl_dir " + dir.string() + " is not a directory");
  std::set<std::string> all(seids.begin(), seids.end());
  const auto users_file = dir / "users.txt";
  if (std::filesystem::exists(users_file)) {
    const std::string text = read_file(users_file);
    const std::string source = users_file.string();
    parse_users_table(text, source, policy);
    // The SEIDs users.txt names get their tables read too (parse_users_table checked the syntax).
    for_each_line(text, [&](std::size_t, const std::vector<std::string>& w) {
      if (w[1] != "all")
        for (std::size_t i = 2; i < w.size(); ++i) all.insert(w[i]);
    });
  }
  const auto read_filter = [&](const std::string& name) { return read_file(dir / name); };
  for (const auto& seid : all) {
    const auto f = dir / (seid + ".txt");
    if (std::filesystem::exists(f)) policy.set_seid_policy(seid, parse_seid_table(read_file(f), f.string(), read_filter));
  }
}

AccessPolicy build_access_policy(const RacsConfig& config, const std::filesystem::path& state_dir,
                                 const std::vector<std::string>& seids) {
  AccessPolicy policy(config.default_aid_access);
  for (const auto& [user, list] : config.users)
    for (const auto& s : list) {
      if (s == "*")
        policy.allow_all_seids(user);
      else
        policy.allow_seid(user, s);
    }
  if (!config.acl_dir.empty()) {
    const auto dir = config.acl_dir.is_absolute() ? config.acl_dir : state_dir / config.acl_dir;
    load_reference_tables(dir, seids, policy);
  }
  return policy;
}

}  // namespace sesame::server::racs
