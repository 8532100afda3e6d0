// The Open Mobile API object model (GlobalPlatform Open Mobile API Specification v3.3, §6:
// SEService -> Reader -> Session -> Channel), over any host::Reader: a mobile developer's code
// shape works against a hosted card in process, a remote one over RACS, or a real one over PC/SC.
//
// OMAPI exceptions map to sesame::Error codes:
//   IllegalStateException (closed object)            Errc::state
//   IllegalArgumentException, SecurityException      Errc::invalid_argument
//     (MANAGE CHANNEL or SELECT by DF name through transmit, malformed APDU), and
//   UnsupportedOperationException (a P2 other than 00, 04, 08, 0C)
//   NoSuchElementException (the AID cannot be selected)  Errc::not_found
//   IOException (the card cannot be reached)              Errc::io
// Where OMAPI returns null (no basic channel free, no logical channel left) these return nullptr.
//
// Thread-safe: every APDU on a reader goes through that reader's lock, one at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "host/reader.h"
#include "util/bytes.h"

namespace sesame::host::omapi {

class Session;
class Channel;

class Reader : public std::enable_shared_from_this<Reader> {
 public:
  explicit Reader(std::shared_ptr<host::Reader> reader);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  std::string get_name() const;
  // Powers the card (if not yet) and reports whether that worked.
  bool is_secure_element_present();
  // Powers the card on first use. Errc::io if it cannot be reached, Errc::state after shutdown.
  std::shared_ptr<Session> open_session();
  // Closes every session (and their channels) and powers the card off.
  void close_sessions();

 private:
  friend class Session;
  friend class Channel;
  friend class SEService;

  Bytes ensure_connected();  // under mutex_
  void shut_down();          // closes sessions; no further open_session

  std::shared_ptr<host::Reader> reader_;
  std::recursive_mutex mutex_;  // recursive: closing a session closes its channels under the same lock
  bool connected_ = false;
  bool shut_down_ = false;
  Bytes atr_;
  bool basic_channel_in_use_ = false;
  std::vector<std::weak_ptr<Session>> sessions_;
};

class SEService {
 public:
  explicit SEService(std::vector<std::shared_ptr<host::Reader>> readers);
  ~SEService();
  SEService(const SEService&) = delete;
  SEService& operator=(const SEService&) = delete;

  std::vector<std::shared_ptr<Reader>> get_readers() const;
  // Errc::not_found for an unknown name.
  std::shared_ptr<Reader> get_reader(std::string_view name) const;
  bool is_connected() const { return connected_; }
  // Closes every session on every reader; the readers cannot be used afterwards.
  void shutdown();
  std::string get_version() const { return "3.3"; }

 private:
  std::vector<std::shared_ptr<Reader>> readers_;
  bool connected_ = true;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  std::shared_ptr<Reader> get_reader() const { return reader_; }
  Bytes get_atr() const { return atr_; }
  bool is_closed() const;
  // Closes its channels; closing twice is harmless.
  void close();
  void close_channels();

  // Channel 0. An empty AID selects nothing (the default application stays selected). nullptr
  // if another session holds the basic channel.
  std::shared_ptr<Channel> open_basic_channel(ByteView aid, std::uint8_t p2 = 0x00);
  // MANAGE CHANNEL (open), then SELECT on the new channel (unless the AID is empty). nullptr
  // when the card has no channel left; the channel is closed again when SELECT fails.
  std::shared_ptr<Channel> open_logical_channel(ByteView aid, std::uint8_t p2 = 0x00);

 private:
  friend class Reader;
  friend class Channel;
  Session(std::shared_ptr<Reader> reader, Bytes atr);
  std::shared_ptr<Channel> open_channel(int number, ByteView aid, std::uint8_t p2);
  void close_locked();

  std::shared_ptr<Reader> reader_;
  Bytes atr_;
  bool closed_ = false;
  std::vector<std::weak_ptr<Channel>> channels_;
};

class Channel {
 public:
  // Closes the channel on the card if the holder forgot to (errors are swallowed here).
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // A logical channel is closed with MANAGE CHANNEL (close); the basic channel is released.
  void close();
  bool is_closed() const;
  bool is_basic_channel() const { return number_ == 0; }
  int channel_number() const { return number_; }
  // The SELECT response (data || SW1 SW2), empty when no AID was selected.
  Bytes get_select_response() const { return select_response_; }
  std::shared_ptr<Session> get_session() const { return session_; }

  // Sends one command on this channel (the channel number is written into CLA) and returns the
  // response, data || SW1 SW2, after any GET RESPONSE rounds. MANAGE CHANNEL and SELECT by DF
  // name are refused (Errc::invalid_argument), as OMAPI §6.5.5 requires.
  Bytes transmit(ByteView command);
  // SELECT next occurrence (P2 b2b1 = 10) of the same AID: true if one was selected.
  bool select_next();

 private:
  friend class Session;
  Channel(std::shared_ptr<Session> session, int number, Bytes aid, std::uint8_t p2, Bytes select_response);
  void close_locked();

  std::shared_ptr<Session> session_;
  int number_;
  Bytes aid_;
  std::uint8_t p2_;
  Bytes select_response_;
  bool closed_ = false;
};

}  // namespace sesame::host::omapi
