#include "card/security_domain.h"

#include <algorithm>

#include "card/isd.h"

namespace sesame::card {

const Bytes& ssd_load_file_aid() {
  static const Bytes aid{0xA0, 0x00, 0x00, 0x01, 0x51, 0x53, 0x50};
  return aid;
}

const Bytes& ssd_module_aid() {
  static const Bytes aid{0xA0, 0x00, 0x00, 0x01, 0x51, 0x53, 0x50, 0x41};
  return aid;
}

bool grantable(const Privileges& p, bool security_domain_module) {
  if (!security_domain_module) return p == Privileges{};
  namespace pv = privilege;
  if ((p[0] & pv::security_domain) == 0) return false;
  const std::uint8_t b1 = pv::security_domain | pv::delegated_management | pv::card_lock | pv::card_terminate;
  if ((p[0] & ~b1) != 0 || (p[1] & ~pv::authorized_management) != 0 || p[2] != 0) return false;
  // GP 2.3 §6.6: Delegated Management and Authorized Management are mutually exclusive.
  return !((p[0] & pv::delegated_management) && (p[1] & pv::authorized_management));
}

bool same_aid(ByteView a, ByteView b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

const AppletEntry* find_entry(const CardState& state, ByteView aid) {
  for (const auto& e : state.applets)
    if (same_aid(e.aid, aid)) return &e;
  return nullptr;
}

bool is_security_domain(const AppletEntry& e) {
  return (e.privileges[0] & privilege::security_domain) != 0;
}

bool associated_with(const AppletEntry& e, ByteView sd) {
  return same_aid(associated_domain(e), sd);
}

bool is_isd(ByteView sd) {
  return same_aid(sd, isd_aid());
}

}  // namespace sesame::card
