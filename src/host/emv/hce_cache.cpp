#include "host/emv/hce_cache.h"

#include <nlohmann/json.hpp>

#include "host/emv/kernel.h"
#include "host/racs/racs_request.h"
#include "iso7816/emv_cache_digest.h"
#include "iso7816/emv_dol.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/hex.h"
#include "util/tlv.h"

namespace sesame::host::emv {
namespace {

using iso7816::CommandApdu;
namespace dol = iso7816::emv;

const Bytes kPpse{'2', 'P', 'A', 'Y', '.', 'S', 'Y', 'S', '.', 'D', 'D', 'F', '0', '1'};
constexpr std::uint8_t kCheckStaticDataIns = 0xD4;  // proprietary (sesame's payment applet)

std::uint16_t sw_of(ByteView response) {
  if (response.size() < 2) fail(Errc::parse, "HCE cache: a response APDU without status word");
  return static_cast<std::uint16_t>((response[response.size() - 2] << 8) | response[response.size() - 1]);
}
ByteView data_of(ByteView response) { return response.first(response.size() - 2); }

Bytes select_command(ByteView aid) { return CommandApdu{0x00, 0xA4, 0x04, 0x00, Bytes(aid.begin(), aid.end()), 256, false}.encode(); }
Bytes read_record_command(std::uint16_t key) {
  return CommandApdu{0x00, 0xB2, static_cast<std::uint8_t>(key & 0xFF), static_cast<std::uint8_t>(((key >> 8) << 3) | 4), {}, 256, false}
      .encode();
}
Bytes check_command(ByteView digest) {
  return CommandApdu{0x80, kCheckStaticDataIns, 0x00, 0x00, Bytes(digest.begin(), digest.end()), 0, false}.encode();
}
std::uint16_t record_key(std::uint8_t sfi, std::uint8_t number) { return static_cast<std::uint16_t>((sfi << 8) | number); }
Bytes sw_only(ByteView response) { return Bytes(response.end() - 2, response.end()); }

}  // namespace

// ---- links ----

CardLink::Result ReaderLink::exchange(const std::vector<Command>& commands) {
  Result out;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    ++round_trips_;
    const auto r = reader_.transmit(CommandApdu::parse(commands[i].apdu));
    out.responses.push_back(r.encode());
    if (commands[i].guard && r.sw != *commands[i].guard) {
      out.stopped_at = i;
      break;
    }
  }
  return out;
}

RacsLink::RacsLink(std::shared_ptr<racs::RacsClient> client, std::string seid) : client_(std::move(client)), seid_(std::move(seid)) {
  if (!client_) fail(Errc::invalid_argument, "RacsLink needs a client");
}

std::string RacsLink::name() const { return racs::RacsUri{.host = client_->host(), .port = client_->port(), .seid = seid_}.str(); }
Bytes RacsLink::connect() { return client_->power_on(seid_); }
void RacsLink::disconnect() { client_->shutdown(seid_); }
Bytes RacsLink::reset(bool warm) { return client_->reset(seid_, warm); }

CardLink::Result RacsLink::exchange(const std::vector<Command>& commands) {
  racs::RacsRequest request;
  for (const auto& c : commands) {
    racs::ApduOptions options;
    options.continue_sw = c.guard;
    options.more_sw1 = 0x61;
    request.apdu(seid_, c.apdu, options, /*append=*/true);
  }
  ++round_trips_;
  const racs::RacsResponse response = client_->execute(request);
  Result out;
  if (const racs::RacsResult* e = response.error()) {
    // -006 MMM: the APDU on line MMM did not answer the status word CONTINUE asked for.
    if (e->code == static_cast<int>(racs::Command::apdu) && e->index >= 1 && static_cast<std::size_t>(e->index) <= commands.size()) {
      out.stopped_at = static_cast<std::size_t>(e->index - 1);
      return out;
    }
    throw racs::RacsError(*e);
  }
  for (const auto& text : racs::result_texts(response, racs::Command::apdu)) {
    Bytes r = from_hex(text);  // Error(Errc::invalid_argument) unless hex
    if (r.size() < 2) fail(Errc::parse, "RACS: an APDU result must be the response in hex");
    out.responses.push_back(std::move(r));
  }
  if (out.responses.size() != commands.size()) fail(Errc::parse, "RACS: fewer APDU results than APDUs sent");
  return out;
}

// ---- the cache ----

std::vector<Bytes> HceCache::applications() const {
  std::vector<Bytes> out;
  for (const auto& [aid, app] : apps_) out.push_back(aid);
  return out;
}

void HceCache::fill() {
  apps_.clear();
  stale_ = false;
  selected_ = Selected::none;
  aid_.clear();
  gpo_.reset();
  in_sync_ = false;
  const auto one = [this](Bytes apdu) {
    auto r = link_.exchange({{std::move(apdu), std::nullopt}});
    if (r.responses.size() != 1) fail(Errc::io, "HCE cache: no answer from the card");
    return std::move(r.responses[0]);
  };
  ppse_response_ = one(select_command(kPpse));
  if (sw_of(ppse_response_) != 0x9000)
    fail(Errc::state, "HCE cache: SELECT PPSE answered " + iso7816::sw_name(sw_of(ppse_response_)));
  for (const auto& entry : detail::parse_ppse(data_of(ppse_response_))) {
    App app;
    app.select_response = one(select_command(entry.aid));
    const auto sel_sw = sw_of(app.select_response);
    if (sel_sw != 0x9000 && sel_sw != 0x6283) continue;  // not selectable: the kernel will not use it either
    const Tlv fci = parse_one(data_of(app.select_response));
    const Tlv* pdol = fci.find_deep(0x9F38);
    const std::size_t pdol_len = pdol ? dol::dol_data_length(dol::parse_dol(pdol->value())) : 0;
    Bytes gpo_data{0x83};
    append(gpo_data, encode_length(pdol_len));
    gpo_data.resize(gpo_data.size() + pdol_len, 0x00);
    app.gpo_response = one(CommandApdu{0x80, 0xA8, 0x00, 0x00, gpo_data, 256, false}.encode());
    if (sw_of(app.gpo_response) != 0x9000)
      fail(Errc::state, "HCE cache: GET PROCESSING OPTIONS answered " + iso7816::sw_name(sw_of(app.gpo_response)));
    const Tlv gpo = parse_one(data_of(app.gpo_response));
    Bytes afl;
    if (gpo.tag() == 0x80 && gpo.value().size() >= 2) afl.assign(gpo.value().begin() + 2, gpo.value().end());
    else if (gpo.tag() == 0x77) afl = gpo.require(0x94).value();
    else fail(Errc::parse, "HCE cache: unknown GET PROCESSING OPTIONS format");
    std::vector<Bytes> record_data;
    for (const auto& e : dol::parse_afl(afl)) {
      for (int n = e.first; n <= e.last; ++n) {
        const auto key = record_key(e.sfi, static_cast<std::uint8_t>(n));
        Bytes r = one(read_record_command(key));
        if (sw_of(r) != 0x9000) fail(Errc::state, "HCE cache: READ RECORD answered " + iso7816::sw_name(sw_of(r)));
        record_data.emplace_back(data_of(r).begin(), data_of(r).end());
        app.records[key] = std::move(r);
        app.record_order.push_back(key);
      }
    }
    app.digest = dol::cache_digest(data_of(app.select_response), data_of(app.gpo_response), record_data);
    const Bytes check = one(check_command(app.digest));
    const auto check_sw = sw_of(check);
    if (check_sw == 0x6A80) fail(Errc::state, "HCE cache: the card changed while the cache was being filled");
    app.card_checks_digest = check_sw == 0x9000;  // else (6D00, 6E00, ...) a card that cannot check
    apps_[entry.aid] = std::move(app);
  }
  if (apps_.empty()) fail(Errc::not_found, "HCE cache: no selectable payment application on the card");
}

std::string HceCache::save() const {
  nlohmann::json apps = nlohmann::json::array();
  for (const auto& [aid, app] : apps_) {
    nlohmann::json records = nlohmann::json::array();
    for (const auto key : app.record_order)
      records.push_back({{"sfi", key >> 8}, {"record", key & 0xFF}, {"response", to_hex(app.records.at(key))}});
    apps.push_back({{"aid", to_hex(aid)},
                    {"select", to_hex(app.select_response)},
                    {"gpo", to_hex(app.gpo_response)},
                    {"records", records},
                    {"digest", to_hex(app.digest)},
                    {"card_checks_digest", app.card_checks_digest}});
  }
  return nlohmann::json{{"format", "sesame-hce-cache-1"}, {"ppse", to_hex(ppse_response_)}, {"applications", apps}}.dump(1);
}

void HceCache::load(std::string_view text) {
  apps_.clear();
  stale_ = false;
  selected_ = Selected::none;
  aid_.clear();
  gpo_.reset();
  in_sync_ = false;
  try {
    const auto j = nlohmann::json::parse(text);
    if (!j.is_object() || j.value("format", "") != "sesame-hce-cache-1") fail(Errc::parse, "not a sesame HCE cache");
    const auto response = [](const nlohmann::json& v) {
      Bytes r = from_hex(v.get<std::string>());
      if (r.size() < 2 || r.size() > 65538) fail(Errc::parse, "a response APDU of 2 to 65538 bytes expected");
      return r;
    };
    Bytes ppse = response(j.at("ppse"));
    std::map<Bytes, App> apps;
    for (const auto& a : j.at("applications")) {
      App app;
      const Bytes aid = from_hex(a.at("aid").get<std::string>());
      if (aid.size() < 5 || aid.size() > 16) fail(Errc::parse, "an AID of 5 to 16 bytes expected");
      app.select_response = response(a.at("select"));
      app.gpo_response = response(a.at("gpo"));
      std::vector<Bytes> record_data;
      for (const auto& r : a.at("records")) {
        const int sfi = r.at("sfi").get<int>(), number = r.at("record").get<int>();
        if (sfi < 1 || sfi > 30 || number < 1 || number > 255) fail(Errc::parse, "a record's SFI or number is out of range");
        const auto key = record_key(static_cast<std::uint8_t>(sfi), static_cast<std::uint8_t>(number));
        Bytes resp = response(r.at("response"));
        record_data.emplace_back(data_of(resp).begin(), data_of(resp).end());
        if (!app.records.emplace(key, std::move(resp)).second) fail(Errc::parse, "a record listed twice");
        app.record_order.push_back(key);
      }
      app.digest = from_hex(a.at("digest").get<std::string>());
      if (app.digest != dol::cache_digest(data_of(app.select_response), data_of(app.gpo_response), record_data))
        fail(Errc::parse, "an application's digest is not the one of its answers");
      app.card_checks_digest = a.at("card_checks_digest").get<bool>();
      if (!apps.emplace(aid, std::move(app)).second) fail(Errc::parse, "an application listed twice");
    }
    if (apps.empty()) fail(Errc::parse, "no application");
    ppse_response_ = std::move(ppse);
    apps_ = std::move(apps);
  } catch (const nlohmann::json::exception& e) {
    fail(Errc::parse, std::string("HCE cache: ") + e.what());
  } catch (const Error& e) {
    fail(Errc::parse, std::string("HCE cache: ") + e.what());
  }
}

Bytes HceCache::connect() {
  selected_ = Selected::none;
  in_sync_ = false;
  return link_.connect();
}

void HceCache::disconnect() {
  selected_ = Selected::none;
  in_sync_ = false;
  link_.disconnect();
}

Bytes HceCache::reset(bool warm) {
  selected_ = Selected::none;
  in_sync_ = false;
  return link_.reset(warm);
}

Bytes HceCache::transmit_raw(ByteView raw) {
  if (stale_) fail(Errc::state, "HCE cache: stale (the card's static data changed); fill it again");
  if (apps_.empty()) fail(Errc::state, "HCE cache: not filled");
  std::optional<CommandApdu> c;
  try {
    c = CommandApdu::parse(raw);
  } catch (const Error&) {
    return forward(raw);  // not ours to judge: the card answers
  }
  if (c->cla == 0x00 && c->ins == 0xA4 && c->p1 == 0x04 && (c->p2 == 0x00 || c->p2 == 0x0C)) {
    // SELECT by name starts a new transaction in the kernel's view; the card follows later.
    in_sync_ = false;
    gpo_.reset();
    aid_.clear();
    if (c->data == kPpse) {
      selected_ = Selected::ppse;
      return c->p2 == 0x0C ? sw_only(ppse_response_) : ppse_response_;
    }
    if (const auto it = apps_.find(c->data); it != apps_.end()) {
      selected_ = Selected::app;
      aid_ = it->first;
      return c->p2 == 0x0C ? sw_only(it->second.select_response) : it->second.select_response;
    }
    selected_ = Selected::other;  // an application the cache does not know: transparent
    return forward(raw);
  }
  if (selected_ == Selected::app && !in_sync_) {
    const App& app = apps_.at(aid_);
    if (c->cla == 0x80 && c->ins == 0xA8) {
      if (gpo_) return {0x69, 0x85};  // the card's answer to a second GPO in one transaction
      gpo_ = Bytes(raw.begin(), raw.end());
      return app.gpo_response;
    }
    if (c->cla == 0x00 && c->ins == 0xB2 && (c->p2 & 0x07) == 0x04 && c->data.empty()) {
      const auto it = app.records.find(record_key(static_cast<std::uint8_t>(c->p2 >> 3), c->p1));
      if (it != app.records.end()) return it->second;
    }
  }
  return forward(raw);
}

// The command for the card, with (once per transaction) what brings the card to the kernel's state.
Bytes HceCache::forward(ByteView raw) {
  std::vector<CardLink::Command> commands;
  std::vector<std::optional<Bytes>> expected;  // the cached answer each prefix command must give
  const auto add = [&](Bytes apdu, std::uint16_t guard, std::optional<Bytes> answer) {
    commands.push_back({std::move(apdu), guard});
    expected.push_back(std::move(answer));
  };
  if (!in_sync_ && selected_ == Selected::ppse) {
    add(select_command(kPpse), sw_of(ppse_response_), ppse_response_);
  } else if (!in_sync_ && selected_ == Selected::app) {
    const App& app = apps_.at(aid_);
    add(select_command(aid_), sw_of(app.select_response), app.select_response);
    if (app.card_checks_digest) {
      add(check_command(app.digest), 0x9000, std::nullopt);
    } else {
      for (const auto key : app.record_order) add(read_record_command(key), 0x9000, app.records.at(key));
    }
    if (gpo_) add(*gpo_, sw_of(app.gpo_response), app.gpo_response);
  }
  const std::size_t prefix = commands.size();
  commands.push_back({Bytes(raw.begin(), raw.end()), std::nullopt});
  const auto result = link_.exchange(commands);
  if (result.stopped_at) stale_error("the card refused the cached state");
  if (result.responses.size() != commands.size()) fail(Errc::io, "HCE cache: the card did not answer every command");
  for (std::size_t i = 0; i < prefix; ++i)
    if (expected[i] && result.responses[i] != *expected[i]) stale_error("the card's answers differ from the cache");
  in_sync_ = true;
  return result.responses.back();
}

void HceCache::stale_error(const std::string& why) {
  stale_ = true;
  in_sync_ = false;
  fail(Errc::state, "HCE cache: stale: " + why + "; fill it again");
}

}  // namespace sesame::host::emv
