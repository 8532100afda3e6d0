// Module state: the card, slots (wallet units), sessions, login. Objects and signing: objects.cpp.
#include "pkcs11/module.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "applets/builtin.h"
#include "applets/wsca/wsca_applet.h"
#include "card/card_service.h"
#include "host/in_process_reader.h"
#include "pkcs11/ck_rv.h"
#include "store/master_key.h"
#include "store/sqlite_store.h"

namespace sesame::pkcs11 {
namespace {

namespace fs = std::filesystem;
using host::wsca::CardRefused;

const card::AppletRegistry& registry() {
  static const card::AppletRegistry r = applets::builtin_registry();
  return r;
}

std::string unit_file(std::uint32_t unit, const char* ext) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "unit-%08x.%s", unit, ext);
  return buf;
}

// Written to a temporary file (mode 0600) and renamed into place.
void write_private_file(const fs::path& path, ByteView data) {
  const fs::path tmp = path.string() + ".tmp";
  {
    const mode_t old = ::umask(077);
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    ::umask(old);
    if (!out) fail(Errc::io, "PKCS#11: cannot write a device key file");
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!out.flush()) fail(Errc::io, "PKCS#11: cannot write a device key file");
  }
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write);
  fs::rename(tmp, path);
}

SecureBytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  Bytes b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  SecureBytes out(b);
  secure_zero(b.data(), b.size());
  return out;
}

bool digits(ByteView pin, std::size_t min, std::size_t max) {
  if (pin.size() < min || pin.size() > max) return false;
  for (auto c : pin)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

struct Module::CardLink {
  CardLink(card::CardService& cards, const std::string& seid, Bytes aid)
      : reader(cards, seid), client(reader, std::move(aid)) {}
  host::InProcessReader reader;
  host::wsca::WscaClient client;
};

Module::Module(const ModuleConfig& config) : config_(config) {
  fs::create_directories(config_.state_dir / "pkcs11");
  fs::permissions(config_.state_dir / "pkcs11", fs::perms::owner_all);
  store_ =
      store::open_sqlite_store((config_.state_dir / "sesame.db").string(),
                               store::load_or_create_master_key((config_.state_dir / "master.key").string()));
  cards_ = std::make_unique<card::CardService>(*store_, registry());
  load_units();
}

Module::~Module() {
  links_.clear();
  cards_.reset();
  store_.reset();
}

host::wsca::WscaClient& Module::link(const std::string& seid) {
  std::lock_guard lock(links_mutex_);
  if (auto it = links_.find(seid); it != links_.end()) return it->second->client;
  Bytes aid;
  if (!cards_->exists(seid)) {
    cards_->create_card({seid, "WSCA (PKCS#11)"});
  } else {
    for (const auto& a : cards_->info(seid).applets)
      if (a.module == applets::wsca::kModuleName) aid = a.aid;
  }
  if (aid.empty()) {
    aid = applets::wsca::module().default_instance_aid;
    // 82 = 00: no escalating PIN delays. Whoever can attack this local token can read the state
    // dir (master key, device key files) and guess offline anyway (docs/WSCA.md).
    cards_->install_applet(seid, applets::wsca::kModuleName, aid, Bytes{0x82, 0x01, 0x00});
  }
  auto l = std::make_unique<CardLink>(*cards_, seid, aid);
  l->reader.connect();
  l->client.select();
  return links_.emplace(seid, std::move(l)).first->second->client;
}

// unit-<unit>.key: a unit of the main card (slot = unit id); token-<slot>-<unit>.key: a token with
// its own card.
void Module::load_units() {
  for (const auto& e : fs::directory_iterator(config_.state_dir / "pkcs11")) {
    const std::string name = e.path().filename().string();
    unsigned unit = 0, slot_id = 0;
    char tail[8] = {};
    std::string seid, label_file;
    if (std::sscanf(name.c_str(), "unit-%8x.%3s", &unit, tail) == 2 && std::string(tail) == "key" &&
        name.size() == 17 && unit != 0) {
      slot_id = unit;
      seid = config_.card;
      label_file = unit_file(unit, "label");
    } else if (std::sscanf(name.c_str(), "token-%8x-%8x.%3s", &slot_id, &unit, tail) == 3 &&
               std::string(tail) == "key" && name.size() == 27 && unit != 0 && slot_id != 0) {
      seid = token_seid(slot_id);
      label_file = name.substr(0, name.size() - 3) + "label";
    } else {
      continue;
    }
    host::wsca::WscaClient* client = nullptr;
    try {
      if (!cards_->exists(seid)) continue;
      client = &link(seid);
      (void)client->unit_info(unit);  // a unit deleted behind our back is not a token
    } catch (const CardRefused&) {
      continue;
    }
    const SecureBytes der = read_file(e.path());
    std::string label;
    std::ifstream l(config_.state_dir / "pkcs11" / label_file);
    std::getline(l, label);
    slots_.emplace(slot_id, std::make_shared<Slot>(slot_id, unit, crypto::EcPrivateKey::from_pkcs8_der(der.view()),
                                                   label, *client));
  }
}

std::vector<CK_SLOT_ID> Module::slot_ids() {
  std::shared_lock lock(slots_mutex_);
  std::vector<CK_SLOT_ID> out;
  for (const auto& [id, s] : slots_) out.push_back(id);
  out.push_back(kFreeSlot);  // last: tools take the first slot with a token by default
  return out;
}

std::shared_ptr<Slot> Module::slot(CK_SLOT_ID id) {
  if (id == kFreeSlot) return nullptr;
  std::shared_lock lock(slots_mutex_);
  const auto it = slots_.find(id);
  if (it == slots_.end()) throw_rv(CKR_SLOT_ID_INVALID);
  return it->second;
}

CK_SESSION_HANDLE Module::open_session(CK_SLOT_ID id, CK_FLAGS flags) {
  if (!(flags & CKF_SERIAL_SESSION)) throw_rv(CKR_SESSION_PARALLEL_NOT_SUPPORTED);
  auto sl = slot(id);  // validates the id
  auto s = std::make_shared<Session>();
  s->slot = id;
  s->flags = flags;
  std::unique_lock lock(sessions_mutex_);
  const CK_SESSION_HANDLE h = next_session_++;
  sessions_.emplace(h, std::move(s));
  if (sl) ++sl->sessions;
  return h;
}

std::shared_ptr<Session> Module::session(CK_SESSION_HANDLE h) {
  std::shared_lock lock(sessions_mutex_);
  const auto it = sessions_.find(h);
  if (it == sessions_.end()) throw_rv(CKR_SESSION_HANDLE_INVALID);
  return it->second;
}

void Module::close_session(CK_SESSION_HANDLE h) {
  std::shared_ptr<Session> s;
  {
    std::unique_lock lock(sessions_mutex_);
    const auto it = sessions_.find(h);
    if (it == sessions_.end()) throw_rv(CKR_SESSION_HANDLE_INVALID);
    s = it->second;
    sessions_.erase(it);
  }
  auto sl = slot(s->slot);
  if (sl && --sl->sessions == 0) {  // PKCS#11 §5.6: closing the last session logs the token out
    std::lock_guard auth(sl->auth_mutex);
    if (sl->user) {
      try {
        sl->client->logout(sl->unit);
      } catch (const Error&) {
      }
    }
    sl->user = sl->so = false;
    sl->pin.clear();
    sl->so_pin.clear();
    std::unique_lock lock(sessions_mutex_);
    std::erase_if(secrets_, [&](const auto& kv) { return kv.second->slot == s->slot; });
  }
}

void Module::close_all_sessions(CK_SLOT_ID id) {
  slot(id);
  std::vector<CK_SESSION_HANDLE> handles;
  {
    std::shared_lock lock(sessions_mutex_);
    for (const auto& [h, s] : sessions_)
      if (s->slot == id) handles.push_back(h);
  }
  for (auto h : handles) close_session(h);
}

bool Module::any_rw_session(CK_SLOT_ID id) {
  std::shared_lock lock(sessions_mutex_);
  for (const auto& [h, s] : sessions_)
    if (s->slot == id && (s->flags & CKF_RW_SESSION)) return true;
  return false;
}

void Module::init_token(CK_SLOT_ID id, ByteView so_pin, std::string_view label) {
  if (id != kFreeSlot) {
    slot(id);
    throw_rv(CKR_FUNCTION_REJECTED);  // an existing unit is not re-initialised: delete its keys instead
  }
  if (!digits(so_pin, 8, 16)) throw_rv(CKR_PIN_LEN_RANGE);  // the SO PIN is the unit's PUK
  std::lock_guard init(init_mutex_);
  CK_SLOT_ID n = 1;
  {
    std::shared_lock lock(slots_mutex_);
    if (!slots_.empty()) n = slots_.rbegin()->first + 1;
  }
  while (cards_->exists(token_seid(n))) ++n;  // a card left by an interrupted C_InitToken
  if (n > 0x7FFFFFFF) throw_rv(CKR_DEVICE_MEMORY);  // handles carry 31 bits of slot id
  host::wsca::WscaClient& client = link(token_seid(n));
  auto device = crypto::EcPrivateKey::generate(crypto::Curve::p256);
  const std::uint32_t unit = client.create_unit(so_pin, device.public_key().to_uncompressed_point());
  const fs::path dir = config_.state_dir / "pkcs11";
  char stem[32];
  std::snprintf(stem, sizeof stem, "token-%08x-%08x.", static_cast<unsigned>(n), unit);
  std::string trimmed(label);
  while (!trimmed.empty() && trimmed.back() == ' ') trimmed.pop_back();
  write_private_file(dir / (std::string(stem) + "label"), as_bytes(trimmed));
  write_private_file(dir / (std::string(stem) + "key"), device.to_pkcs8_der().view());  // last: the token exists
  std::unique_lock lock(slots_mutex_);
  slots_.emplace(n, std::make_shared<Slot>(n, unit, std::move(device), trimmed, client));
}

bool Module::logged_in(Slot& sl) {
  std::lock_guard lock(sl.auth_mutex);
  return sl.user;
}

void Module::login(Session& s, CK_USER_TYPE type, ByteView pin) {
  auto sl = slot_of(s);
  if (!sl) throw_rv(CKR_USER_PIN_NOT_INITIALIZED);
  std::lock_guard lock(sl->auth_mutex);
  switch (type) {
    case CKU_SO:
      if (sl->user) throw_rv(CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
      if (sl->so) throw_rv(CKR_USER_ALREADY_LOGGED_IN);
      if (!digits(pin, 8, 16)) throw_rv(CKR_PIN_LEN_RANGE);
      // The PUK is checked by the card when it is used (C_InitPIN), never spent on a login.
      sl->so_pin = SecureBytes(pin);
      sl->so = true;
      return;
    case CKU_USER:
    case CKU_CONTEXT_SPECIFIC: {
      if (type == CKU_USER && sl->user) throw_rv(CKR_USER_ALREADY_LOGGED_IN);
      if (type == CKU_CONTEXT_SPECIFIC && !sl->user) throw_rv(CKR_USER_NOT_LOGGED_IN);
      if (sl->so) throw_rv(CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
      if (!digits(pin, 6, 16)) throw_rv(CKR_PIN_LEN_RANGE);
      try {
        sl->client->authenticate(sl->unit, sl->device_key, pin);
      } catch (const CardRefused& e) {
        if (e.sw() == 0x6985) throw_rv(CKR_USER_PIN_NOT_INITIALIZED);  // unit not activated
        if (e.sw() == 0x6A80) throw_rv(CKR_PIN_LEN_RANGE);
        throw;
      }
      sl->pin = SecureBytes(pin);
      sl->user = true;
      return;
    }
    default: throw_rv(CKR_USER_TYPE_INVALID);
  }
}

void Module::logout(Session& s) {
  auto sl = slot_of(s);
  if (!sl) throw_rv(CKR_USER_NOT_LOGGED_IN);
  std::lock_guard lock(sl->auth_mutex);
  if (!sl->user && !sl->so) throw_rv(CKR_USER_NOT_LOGGED_IN);
  if (sl->user) sl->client->logout(sl->unit);
  sl->user = sl->so = false;
  sl->pin.clear();
  sl->so_pin.clear();
}

// In an SO session: activates a new unit with this PIN, or unblocks an active one with the PUK.
void Module::init_pin(Session& s, ByteView pin) {
  auto sl = slot_of(s);
  if (!sl) throw_rv(CKR_USER_NOT_LOGGED_IN);
  std::lock_guard lock(sl->auth_mutex);
  if (!sl->so) throw_rv(CKR_USER_NOT_LOGGED_IN);
  if (!digits(pin, 6, 16)) throw_rv(CKR_PIN_LEN_RANGE);
  const auto info = sl->client->unit_info(sl->unit);
  try {
    if (info.state == iso7816::wsca::UnitState::created) {
      sl->client->activate(sl->unit, sl->device_key, pin);
      sl->client->logout(sl->unit);  // the SO session does not become a user session
    } else {
      sl->client->unblock(sl->unit, sl->device_key, sl->so_pin.view(), pin);
    }
  } catch (const CardRefused& e) {
    throw;  // a wrong PUK: 63Cx -> CKR_PIN_INCORRECT, blocked -> CKR_PIN_LOCKED (ck_rv.cpp)
  }
}

}  // namespace sesame::pkcs11
