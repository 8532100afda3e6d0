// The Proximity Payment System Environment (EMV Book B §3.3, Book C-2): SELECT '2PAY.SYS.DDF01'
// answers an FCI whose 'BF0C' lists the payment applications; it has no other command.
#include <nlohmann/json.hpp>

#include "applets/emv/emv_applets.h"
#include "applets/emv/payment_directory.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/hex.h"
#include "util/tlv.h"

namespace sesame::applets::emv {
namespace {

using card::AppletContext;
using iso7816::CommandApdu;
using iso7816::ResponseApdu;
using iso7816::Sw;
using iso7816::throw_sw;

constexpr const char* kDirRecord = "dir";

Bytes encode_entry(const DirectoryEntry& e) {
  Bytes v;
  append_tlv(v, 0x4F, e.aid);
  if (!e.label.empty()) append_tlv(v, 0x50, as_bytes(e.label));
  if (e.priority != 0) append_tlv(v, 0x87, Bytes{e.priority});
  return tlv_encode(0x61, v);
}

class PpseApplet final : public card::Applet {
 public:
  void install(AppletContext& ctx, ByteView params) override {
    try {
      PersonalisedDirectory::personalise(ctx, params);
    } catch (const Error&) {
      throw_sw(Sw::incorrect_data);
    }
  }

  ResponseApdu process(const CommandApdu& apdu, AppletContext& ctx) override {
    if (!ctx.selecting()) throw_sw(Sw::ins_not_supported);
    if ((apdu.p2 & 0x0C) == 0x0C) return {};
    Bytes dir;
    // GP Amendment C: only the payment applications the contactless registry has ACTIVATED.
    const card::ContactlessRegistry* crs = ctx.contactless();
    for (const auto& e : directory_.entries(ctx))
      if (!crs || (crs->is_payment(e.aid) && crs->state(e.aid) == card::ContactlessState::activated))
        append(dir, encode_entry(e));
    Bytes fci;
    append_tlv(fci, 0x84, ctx.instance_aid());
    append_tlv(fci, 0xA5, tlv_encode(0xBF0C, dir));
    return {tlv_encode(0x6F, fci), 0x9000};
  }

 private:
  PersonalisedDirectory directory_;
};

}  // namespace

std::vector<DirectoryEntry> PersonalisedDirectory::entries(AppletContext& ctx) const {
  std::vector<DirectoryEntry> out;
  const SecureBytes* rec = ctx.persistent().view(kDirRecord);
  if (!rec) return out;
  for (const auto& t : parse_tlv(rec->view())) {
    DirectoryEntry e{t.require(0x4F).value(), "", 0};
    if (const auto* l = t.find(0x50)) e.label.assign(l->value().begin(), l->value().end());
    if (const auto* p = t.find(0x87); p && p->value().size() == 1) e.priority = p->value()[0];
    out.push_back(std::move(e));
  }
  return out;
}

void PersonalisedDirectory::personalise(AppletContext& ctx, ByteView params) {
  std::vector<DirectoryEntry> entries;
  if (params.empty()) {
    entries.push_back({kMastercardAid, "MASTERCARD", 1});
  } else {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(params.begin(), params.end());
    } catch (const nlohmann::json::exception&) {
      fail(Errc::parse, "PPSE: install parameters are not JSON");
    }
    if (!j.is_object() || !j.contains("applications") || !j["applications"].is_array())
      fail(Errc::parse, "PPSE: expected {\"applications\": [...]}");
    for (const auto& a : j["applications"]) {
      if (!a.is_object() || !a.contains("aid") || !a["aid"].is_string()) fail(Errc::parse, "PPSE: entry needs an aid");
      DirectoryEntry e{from_hex(a["aid"].get<std::string>()), "", 0};
      if (e.aid.size() < 5 || e.aid.size() > 16) fail(Errc::invalid_argument, "PPSE: AID must be 5-16 bytes");
      if (a.contains("label")) {
        if (!a["label"].is_string()) fail(Errc::parse, "PPSE: label must be a string");
        e.label = a["label"].get<std::string>();
        if (e.label.size() > 16) fail(Errc::invalid_argument, "PPSE: label above 16 characters");
      }
      if (a.contains("priority")) {
        if (!a["priority"].is_number_unsigned() || a["priority"].get<unsigned>() > 15)
          fail(Errc::invalid_argument, "PPSE: priority must be 0-15");
        e.priority = static_cast<std::uint8_t>(a["priority"].get<unsigned>());
      }
      entries.push_back(std::move(e));
    }
  }
  Bytes dir;
  for (const auto& e : entries) append(dir, encode_entry(e));
  ctx.persistent().put(kDirRecord, ByteView(dir));
}

std::unique_ptr<card::Applet> make_ppse_applet() { return std::make_unique<PpseApplet>(); }

card::AppletModule ppse_module() {
  return {.name = kPpseModule,
          .load_file_aid = {0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 'E', 'M', 'V', 0x01},
          .module_aid = {0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 'E', 'M', 'V', 0x01, 0x01},
          .default_instance_aid = kPpseAid,
          .multi_selectable = true,
          .factory = [] { return make_ppse_applet(); }};
}

void register_modules(card::AppletRegistry& registry) {
  registry.add(ppse_module());
  registry.add(payment_module());
  registry.add(crs_module());
}

}  // namespace sesame::applets::emv
