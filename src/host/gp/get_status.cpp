#include "host/gp/get_status.h"

#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::host::gp {
namespace {

constexpr std::uint16_t kSwMoreData = 0x6310;
constexpr int kMaxPages = 256;  // a card that keeps answering 6310 is not followed forever

RegistryEntry decode(const Tlv& e3) {
  RegistryEntry e;
  e.aid = e3.require(0x4F).value();
  if (const Tlv* lc = e3.find(0x9F70); lc && !lc->value().empty()) e.life_cycle = lc->value()[0];
  if (const Tlv* p = e3.find(0xC5)) e.privileges = p->value();
  if (const Tlv* lf = e3.find(0xC4)) e.load_file_aid = lf->value();
  if (const Tlv* sd = e3.find(0xCC)) e.security_domain_aid = sd->value();
  for (const Tlv* m : e3.find_all(0x84)) e.modules.push_back(m->value());
  return e;
}

}  // namespace

std::vector<RegistryEntry> get_status(Scp03Session& session, StatusScope scope) {
  std::vector<RegistryEntry> out;
  std::uint8_t p2 = 0x02;  // tag-list format, first or only occurrence
  for (int page = 0; page < kMaxPages; ++page) {
    const iso7816::CommandApdu c{0x80, 0xF2, static_cast<std::uint8_t>(scope), p2, Bytes{0x4F, 0x00}, 256, false};
    const iso7816::ResponseApdu r = session.transmit(c);
    if (r.sw == 0x6A88 && page == 0) return out;
    if (r.sw != 0x9000 && r.sw != kSwMoreData) fail(Errc::state, "GET STATUS refused: " + iso7816::sw_name(r.sw));
    for (const Tlv& t : parse_tlv(r.data)) {
      if (t.tag() != 0xE3) fail(Errc::parse, "GET STATUS: expected 'E3' templates");
      out.push_back(decode(t));
    }
    if (r.sw == 0x9000) return out;
    p2 = 0x03;  // next occurrence
  }
  fail(Errc::parse, "GET STATUS: the card never ends its answer");
}

}  // namespace sesame::host::gp
