#include "host/gp/install.h"

#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::host::gp {
namespace {

void lv(Bytes& out, ByteView v) {
  if (v.size() > 255) fail(Errc::invalid_argument, "INSTALL: field longer than 255 bytes");
  out.push_back(static_cast<std::uint8_t>(v.size()));
  append(out, v);
}

void expect_ok(const iso7816::ResponseApdu& r, const char* what) {
  if (!r.ok()) fail(Errc::state, std::string(what) + " refused: " + iso7816::sw_name(r.sw));
}

}  // namespace

void install(Scp03Session& s, ByteView load_file_aid, ByteView module_aid, ByteView application_aid, ByteView params) {
  Bytes data;
  lv(data, load_file_aid);
  lv(data, module_aid);
  lv(data, application_aid);
  lv(data, Bytes{0x00});                  // privileges
  lv(data, tlv_encode(0xC9, params));     // install parameters
  lv(data, {});                           // no token
  expect_ok(s.transmit({0x80, 0xE6, 0x0C, 0x00, data, 256, false}), "INSTALL");
}

void delete_application(Scp03Session& s, ByteView application_aid) {
  expect_ok(s.transmit({0x80, 0xE4, 0x00, 0x00, tlv_encode(0x4F, application_aid), 256, false}), "DELETE");
}

}  // namespace sesame::host::gp
