#include "host/omapi.h"

#include <algorithm>

#include "iso7816/apdu.h"
#include "iso7816/status_word.h"
#include "util/error.h"

namespace sesame::host::omapi {
namespace {

using iso7816::CommandApdu;
using iso7816::ResponseApdu;

constexpr std::uint8_t kManageChannel = 0x70;
constexpr std::uint8_t kSelect = 0xA4;

// OMAPI §6.4.7: a SELECT answered 9000 or with a warning (62xx, 63xx) selected the application.
bool selected(const ResponseApdu& r) {
  return r.sw == 0x9000 || r.sw1() == 0x62 || r.sw1() == 0x63;
}

void check_p2(std::uint8_t p2) {
  // OMAPI §6.4.7: P2 may ask for FCI, FCP, FMD or no response (00, 04, 08, 0C) and nothing else.
  if (p2 != 0x00 && p2 != 0x04 && p2 != 0x08 && p2 != 0x0C)
    fail(Errc::invalid_argument, "OMAPI: unsupported SELECT P2 (00, 04, 08 or 0C)");
}

void check_aid(ByteView aid) {
  // ISO/IEC 7816-4 §12.2.3: an AID is 5 to 16 bytes (an empty one means no SELECT at all).
  if (!aid.empty() && (aid.size() < 5 || aid.size() > 16))
    fail(Errc::invalid_argument, "OMAPI: an AID is 5 to 16 bytes");
}

CommandApdu select_command(int channel, ByteView aid, std::uint8_t p2) {
  CommandApdu c;
  c.cla = iso7816::cla_with_channel(0x00, channel);
  c.ins = kSelect;
  c.p1 = 0x04;
  c.p2 = p2;
  c.data.assign(aid.begin(), aid.end());
  c.ne = (p2 & 0x0C) == 0x0C ? 0 : 256;  // "no response data" has no Le
  return c;
}

}  // namespace

// ---------------------------------------------------------------- Reader

Reader::Reader(std::shared_ptr<host::Reader> reader) : reader_(std::move(reader)) {
  if (!reader_) fail(Errc::invalid_argument, "OMAPI: a reader needs a host reader");
}

Reader::~Reader() = default;

std::string Reader::get_name() const {
  return reader_->name();
}

Bytes Reader::ensure_connected() {
  if (shut_down_) fail(Errc::state, "OMAPI: the SE service is shut down");
  if (!connected_) {
    atr_ = reader_->connect();
    connected_ = true;
  }
  return atr_;
}

bool Reader::is_secure_element_present() {
  std::lock_guard lock(mutex_);
  try {
    ensure_connected();
    return true;
  } catch (const Error& e) {
    if (e.code() == Errc::state) throw;
    return false;
  }
}

std::shared_ptr<Session> Reader::open_session() {
  std::lock_guard lock(mutex_);
  Bytes atr = ensure_connected();
  std::shared_ptr<Session> s(new Session(shared_from_this(), std::move(atr)));
  std::erase_if(sessions_, [](const std::weak_ptr<Session>& w) { return w.expired(); });
  sessions_.push_back(s);
  return s;
}

void Reader::close_sessions() {
  std::lock_guard lock(mutex_);
  for (auto& w : sessions_)
    if (auto s = w.lock()) s->close_locked();
  sessions_.clear();
  basic_channel_in_use_ = false;
  if (connected_) {
    connected_ = false;
    reader_->disconnect();
  }
}

void Reader::shut_down() {
  std::lock_guard lock(mutex_);
  try {
    close_sessions();
  } catch (const Error&) {
    // the card is unreachable: there is nothing left to close on it
  }
  shut_down_ = true;
}

// ---------------------------------------------------------------- SEService

SEService::SEService(std::vector<std::shared_ptr<host::Reader>> readers) {
  for (auto& r : readers) readers_.push_back(std::make_shared<Reader>(std::move(r)));
}

SEService::~SEService() {
  if (connected_) shutdown();
}

std::vector<std::shared_ptr<Reader>> SEService::get_readers() const {
  if (!connected_) fail(Errc::state, "OMAPI: the SE service is shut down");
  return readers_;
}

std::shared_ptr<Reader> SEService::get_reader(std::string_view name) const {
  for (const auto& r : get_readers())
    if (r->get_name() == name) return r;
  fail(Errc::not_found, "OMAPI: no reader named " + std::string(name));
}

void SEService::shutdown() {
  for (auto& r : readers_) r->shut_down();
  connected_ = false;
}

// ---------------------------------------------------------------- Session

Session::Session(std::shared_ptr<Reader> reader, Bytes atr)
    : reader_(std::move(reader)), atr_(std::move(atr)) {}

Session::~Session() = default;

bool Session::is_closed() const {
  std::lock_guard lock(reader_->mutex_);
  return closed_ || reader_->shut_down_;
}

void Session::close() {
  std::lock_guard lock(reader_->mutex_);
  close_locked();
}

void Session::close_locked() {
  if (closed_) return;
  closed_ = true;
  for (auto& w : channels_)
    if (auto c = w.lock()) c->close_locked();
  channels_.clear();
}

void Session::close_channels() {
  std::lock_guard lock(reader_->mutex_);
  for (auto& w : channels_)
    if (auto c = w.lock()) c->close_locked();
  channels_.clear();
}

std::shared_ptr<Channel> Session::open_channel(int number, ByteView aid, std::uint8_t p2) {
  Bytes select_response;
  if (!aid.empty()) {
    const ResponseApdu r = reader_->reader_->transmit(select_command(number, aid, p2));
    if (!selected(r)) {
      if (r.sw == iso7816::sw_value(iso7816::Sw::file_not_found))
        fail(Errc::not_found, "OMAPI: the applet cannot be selected (6A82)");
      fail(Errc::io, "OMAPI: SELECT failed: " + iso7816::sw_name(r.sw));
    }
    select_response = r.encode();
  }
  std::shared_ptr<Channel> c(
      new Channel(shared_from_this(), number, Bytes(aid.begin(), aid.end()), p2, std::move(select_response)));
  std::erase_if(channels_, [](const std::weak_ptr<Channel>& w) { return w.expired(); });
  channels_.push_back(c);
  return c;
}

std::shared_ptr<Channel> Session::open_basic_channel(ByteView aid, std::uint8_t p2) {
  check_aid(aid);
  check_p2(p2);
  std::lock_guard lock(reader_->mutex_);
  if (closed_ || reader_->shut_down_) fail(Errc::state, "OMAPI: the session is closed");
  if (reader_->basic_channel_in_use_) return nullptr;
  auto c = open_channel(0, aid, p2);
  reader_->basic_channel_in_use_ = true;
  return c;
}

std::shared_ptr<Channel> Session::open_logical_channel(ByteView aid, std::uint8_t p2) {
  check_aid(aid);
  check_p2(p2);
  std::lock_guard lock(reader_->mutex_);
  if (closed_ || reader_->shut_down_) fail(Errc::state, "OMAPI: the session is closed");
  // MANAGE CHANNEL (open), ISO/IEC 7816-4 §11.1.2: P1 00, P2 00 = the card assigns the number.
  CommandApdu open;
  open.ins = kManageChannel;
  open.ne = 1;
  const ResponseApdu r = reader_->reader_->transmit(open);
  if (r.sw == 0x6881 || r.sw == 0x6A81 || r.sw == 0x6A84) return nullptr;  // no channel left
  if (r.sw != 0x9000 || r.data.size() != 1 || r.data[0] == 0 || r.data[0] > 19)
    fail(Errc::io, "OMAPI: MANAGE CHANNEL (open) failed: " + iso7816::sw_name(r.sw));
  const int number = r.data[0];
  try {
    return open_channel(number, aid, p2);
  } catch (...) {
    CommandApdu close;
    close.ins = kManageChannel;
    close.p1 = 0x80;
    close.p2 = static_cast<std::uint8_t>(number);
    try {
      reader_->reader_->transmit(close);
    } catch (const Error&) {
      // the SELECT's failure is the one to report
    }
    throw;
  }
}

// ---------------------------------------------------------------- Channel

Channel::Channel(std::shared_ptr<Session> session, int number, Bytes aid, std::uint8_t p2,
                 Bytes select_response)
    : session_(std::move(session)),
      number_(number),
      aid_(std::move(aid)),
      p2_(p2),
      select_response_(std::move(select_response)) {}

Channel::~Channel() {
  try {
    close();
  } catch (...) {
    // a destructor does not throw; an unreachable card has closed the channel anyway
  }
}

bool Channel::is_closed() const {
  std::lock_guard lock(session_->reader_->mutex_);
  return closed_ || session_->closed_ || session_->reader_->shut_down_;
}

void Channel::close() {
  std::lock_guard lock(session_->reader_->mutex_);
  close_locked();
}

void Channel::close_locked() {
  if (closed_) return;
  closed_ = true;
  Reader& reader = *session_->reader_;
  if (number_ == 0) {
    reader.basic_channel_in_use_ = false;
    return;
  }
  if (!reader.connected_) return;
  CommandApdu close;  // MANAGE CHANNEL (close), ISO/IEC 7816-4 §11.1.2
  close.ins = kManageChannel;
  close.p1 = 0x80;
  close.p2 = static_cast<std::uint8_t>(number_);
  reader.reader_->transmit(close);  // whatever the card answers, this channel is done
}

Bytes Channel::transmit(ByteView command) {
  CommandApdu cmd;
  try {
    cmd = CommandApdu::parse(command);
  } catch (const Error& e) {
    fail(Errc::invalid_argument, std::string("OMAPI: malformed command APDU: ") + e.what());
  }
  if (cmd.cla == 0xFF) fail(Errc::invalid_argument, "OMAPI: CLA FF is not a valid class");
  if ((cmd.cla & 0x80) == 0 && cmd.ins == kManageChannel)
    fail(Errc::invalid_argument, "OMAPI: MANAGE CHANNEL is reserved to the service (SecurityException)");
  if ((cmd.cla & 0x80) == 0 && cmd.ins == kSelect && cmd.p1 == 0x04)
    fail(Errc::invalid_argument, "OMAPI: SELECT by DF name is reserved to the service (SecurityException)");
  std::lock_guard lock(session_->reader_->mutex_);
  if (closed_ || session_->closed_ || session_->reader_->shut_down_)
    fail(Errc::state, "OMAPI: the channel is closed");
  cmd.cla = iso7816::cla_with_channel(cmd.cla, number_);
  return session_->reader_->reader_->transmit(cmd).encode();
}

bool Channel::select_next() {
  std::lock_guard lock(session_->reader_->mutex_);
  if (closed_ || session_->closed_ || session_->reader_->shut_down_)
    fail(Errc::state, "OMAPI: the channel is closed");
  if (aid_.empty()) fail(Errc::state, "OMAPI: no AID was selected on this channel");
  // ISO/IEC 7816-4 §11.2.2: P2 b2b1 = 10 selects the next application matching the (partial) AID.
  const std::uint8_t p2 = static_cast<std::uint8_t>((p2_ & 0xFC) | 0x02);
  const ResponseApdu r = session_->reader_->reader_->transmit(select_command(number_, aid_, p2));
  if (r.sw == iso7816::sw_value(iso7816::Sw::file_not_found)) return false;
  if (!selected(r)) fail(Errc::io, "OMAPI: SELECT (next) failed: " + iso7816::sw_name(r.sw));
  select_response_ = r.encode();
  return true;
}

}  // namespace sesame::host::omapi
