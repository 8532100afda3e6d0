// Who may use which card and applet over RACS (docs/RACS.md, "Access control").
//   users:  certificate CN -> the SEIDs it may see (or all). A CN not listed may see nothing.
//   per SEID, per AID: a white list (only the listed users) or a black list (all but the listed
//   users); a white-listed user may carry an APDU filter: mask/value pairs over CLA INS P1 P2,
//   and a command whose header matches a pair is refused.
// An AccessPolicy is immutable once built: sessions on any thread read it without locks. Reloading
// the tables (SIGHUP) builds a new one and swaps it into the PolicySource.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "util/bytes.h"

namespace sesame::server::racs {

struct FilterPair {
  std::array<std::uint8_t, 4> mask{};
  std::array<std::uint8_t, 4> value{};
};

// A command is refused when (header & mask) == value for any pair. The header's CLA has its
// logical channel bits cleared first, so a filter holds on every channel.
struct ApduFilter {
  std::vector<FilterPair> pairs;
  bool refuses(const std::array<std::uint8_t, 4>& header) const;
};

struct AidRule {
  std::optional<Bytes> aid;  // nullopt: the "default" line of a SEID table
  bool black_list = false;   // false: only the listed users; true: everyone but the listed users
  struct Entry {
    std::string user;
    ApduFilter filter;  // white list entries only
  };
  std::vector<Entry> users;
};

struct SeidPolicy {
  std::vector<AidRule> rules;
};

// CLA as it would be on channel 0 (ISO/IEC 7816-4 §5.4.1: channel in b2b1 for the first
// interindustry classes, b4..b1 for the further ones, which map back to the first form;
// proprietary classes alike).
std::uint8_t cla_without_channel(std::uint8_t cla);
// The logical channel a CLA addresses (0..19), or -1 for FF and the reserved 001x xxxx classes.
int channel_of(std::uint8_t cla);

class AccessPolicy {
 public:
  explicit AccessPolicy(bool default_aid_access = true) : default_aid_access_(default_aid_access) {}

  void add_user(const std::string& user);
  void allow_all_seids(const std::string& user);
  void allow_seid(const std::string& user, const std::string& seid);
  void set_seid_policy(const std::string& seid, SeidPolicy policy);

  bool knows_user(const std::string& user) const;
  bool can_see(const std::string& user, const std::string& seid) const;
  // The SEIDs in `existing` that `user` may see, in that order.
  std::vector<std::string> visible(const std::string& user, const std::vector<std::string>& existing) const;

  // May `user` SELECT `aid` on `seid`? nullopt: refused. Otherwise the filter that holds for the
  // commands that follow (empty: none). Every rule that could select the applet counts: the rule
  // for exactly this AID and the rules for longer AIDs that start with it (a card selects by
  // partial AID), and all of them must allow it; with none, the default line, then
  // default_aid_access. The filters of all counted rules apply together.
  std::optional<ApduFilter> select_permission(const std::string& user, const std::string& seid, ByteView aid) const;

  std::size_t user_count() const { return users_.size(); }

 private:
  struct UserEntry {
    bool all = false;
    std::set<std::string> seids;
  };
  std::map<std::string, UserEntry> users_;
  std::map<std::string, SeidPolicy> seids_;
  bool default_aid_access_;
};

// The policy sessions read. sesamed replaces it whole when it reloads the tables; a session takes a
// snapshot at each BEGIN, so one request is judged by one policy, and a session that sees a new one
// forgets its permitted SELECTs (nothing reaches an applet again before a SELECT the new tables allow).
class PolicySource {
 public:
  explicit PolicySource(AccessPolicy initial)
      : current_(std::make_shared<const AccessPolicy>(std::move(initial))) {}
  // A source over a policy the caller owns, keeps alive and never replaces (tests, the fuzzer).
  static PolicySource borrowing(const AccessPolicy& policy) {
    return PolicySource(std::shared_ptr<const AccessPolicy>(std::shared_ptr<void>(), &policy));
  }
  PolicySource(const PolicySource&) = delete;
  PolicySource& operator=(const PolicySource&) = delete;

  std::shared_ptr<const AccessPolicy> current() const { return current_.load(std::memory_order_acquire); }
  // Bumped after each replace(). Sessions compare it per request and load current() only when it
  // moved: the atomic shared_ptr's load takes a lock bit and a reference count on one cache line,
  // which every I/O thread would otherwise write on every request.
  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }
  void replace(AccessPolicy next) {
    current_.store(std::make_shared<const AccessPolicy>(std::move(next)), std::memory_order_release);
    version_.fetch_add(1, std::memory_order_acq_rel);
  }

 private:
  explicit PolicySource(std::shared_ptr<const AccessPolicy> p) : current_(std::move(p)) {}
  std::atomic<std::shared_ptr<const AccessPolicy>> current_;
  std::atomic<std::uint64_t> version_{0};
};

}  // namespace sesame::server::racs
