#include "server/racs/access_policy.h"

#include <algorithm>

namespace sesame::server::racs {
namespace {

// One rule's answer for `user`: nullopt refused, else the filter (empty when none).
std::optional<ApduFilter> decide(const AidRule& rule, const std::string& user) {
  const auto it = std::find_if(rule.users.begin(), rule.users.end(),
                               [&](const AidRule::Entry& e) { return e.user == user; });
  const bool listed = it != rule.users.end();
  if (rule.black_list) {
    if (listed) return std::nullopt;
    return ApduFilter{};
  }
  if (!listed) return std::nullopt;
  return it->filter;
}

bool starts_with(ByteView whole, ByteView prefix) {
  return whole.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), whole.begin());
}

}  // namespace

bool ApduFilter::refuses(const std::array<std::uint8_t, 4>& header) const {
  std::array<std::uint8_t, 4> h = header;
  h[0] = cla_without_channel(h[0]);
  for (const auto& p : pairs) {
    bool match = true;
    for (std::size_t i = 0; i < 4; ++i) match = match && (h[i] & p.mask[i]) == p.value[i];
    if (match) return true;
  }
  return false;
}

std::uint8_t cla_without_channel(std::uint8_t cla) {
  // A further-class CLA (channels 4-19) becomes its first-class form on channel 0 (b6 SM -> b4,
  // chaining and the proprietary bit kept), so a filter written for 00 also holds for 41.
  // Proprietary classes use the same channel coding (as GlobalPlatform's 8x does, and sesame's
  // card runtime reads it so).
  if (cla & 0x40) return static_cast<std::uint8_t>((cla & 0x90) | ((cla & 0x20) ? 0x08 : 0x00));
  return static_cast<std::uint8_t>(cla & 0xFC);
}

int channel_of(std::uint8_t cla) {
  if (cla == 0xFF || (cla & 0x60) == 0x20) return -1;
  return (cla & 0x40) ? 4 + (cla & 0x0F) : (cla & 0x03);
}

void AccessPolicy::add_user(const std::string& user) { users_[user]; }

void AccessPolicy::allow_all_seids(const std::string& user) { users_[user].all = true; }

void AccessPolicy::allow_seid(const std::string& user, const std::string& seid) { users_[user].seids.insert(seid); }

void AccessPolicy::set_seid_policy(const std::string& seid, SeidPolicy policy) { seids_[seid] = std::move(policy); }

bool AccessPolicy::knows_user(const std::string& user) const { return users_.count(user) != 0; }

bool AccessPolicy::can_see(const std::string& user, const std::string& seid) const {
  const auto it = users_.find(user);
  if (it == users_.end()) return false;
  return it->second.all || it->second.seids.count(seid) != 0;
}

std::vector<std::string> AccessPolicy::visible(const std::string& user, const std::vector<std::string>& existing) const {
  std::vector<std::string> out;
  for (const auto& s : existing)
    if (can_see(user, s)) out.push_back(s);
  return out;
}

std::optional<ApduFilter> AccessPolicy::select_permission(const std::string& user, const std::string& seid,
                                                          ByteView aid) const {
  if (!can_see(user, seid)) return std::nullopt;
  const auto it = seids_.find(seid);
  if (it == seids_.end()) {
    if (!default_aid_access_) return std::nullopt;
    return ApduFilter{};
  }
  std::vector<const AidRule*> counted;
  const AidRule* fallback = nullptr;
  for (const AidRule& rule : it->second.rules) {
    if (!rule.aid) {
      if (!fallback) fallback = &rule;
      continue;
    }
    if (starts_with(*rule.aid, aid)) counted.push_back(&rule);
  }
  if (counted.empty()) {
    if (fallback) return decide(*fallback, user);
    if (!default_aid_access_) return std::nullopt;
    return ApduFilter{};
  }
  ApduFilter combined;
  for (const AidRule* rule : counted) {
    auto d = decide(*rule, user);
    if (!d) return std::nullopt;
    combined.pairs.insert(combined.pairs.end(), d->pairs.begin(), d->pairs.end());
  }
  return combined;
}

}  // namespace sesame::server::racs
