// The card side of SCP03 (iso7816::scp03::Scp03Channel::unwrap_command and the ISD's session) on
// arbitrary command APDUs, after a real session was set up with the default key set.
// Input: byte 0 = security level (mapped onto the valid ones), byte 1 b1 = S16 mode, then ops:
//   0 L apdu   raw bytes to the card (most fail the C-MAC: 6982 and the session is closed)
//   1 L apdu   a plain APDU the terminal wraps correctly (reaches the ISD's commands in the channel)
//   2          a new session (INITIALIZE UPDATE + EXTERNAL AUTHENTICATE; none if wrapped commands
//              replaced key set 30 or terminated the card)
// (ops modulo 3). Invariants: nothing throws; every response ends in SW1 SW2 with SW1 in 61..6F or
// 90..9F and no data with an error; while no raw bytes were sent since the session opened, every
// protected response the card gives verifies (R-MAC) at the terminal; a standalone card channel
// refuses or accepts each raw APDU without crashing, and refuses it again after a refusal.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

#include "card_world.h"
#include "applets/builtin.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "iso7816/apdu.h"
#include "iso7816/scp03.h"
#include "store/memory_store.h"
#include "util/error.h"

using namespace sesame;
namespace scp03 = iso7816::scp03;

namespace {

[[noreturn]] void violation(const char* what) { fuzz::violation("fuzz_scp03_unwrap", what); }

constexpr const char* kSeid = "fuzz-scp03";
constexpr std::uint8_t kLevels[] = {0x00, 0x01, 0x03, 0x11, 0x13, 0x31, 0x33};

scp03::StaticKeys test_keys() {
  SecureBytes k;
  for (std::uint8_t b = 0x40; b <= 0x4F; ++b) k.push_back(b);
  return {k, k, k};
}

using World = fuzz::CardWorld;
World& world() { return fuzz::card_world(); }

iso7816::ResponseApdu transmit(ByteView command) {
  Bytes r;
  try {
    r = world().service.transmit(kSeid, command);
  } catch (...) {
    violation("transmit threw");
  }
  fuzz::check_status_word("fuzz_scp03_unwrap", r);
  return iso7816::ResponseApdu::parse(r);
}

// The terminal's half of a session with the card's default key set. Wrapped commands may have
// replaced that key set (PUT KEY) or terminated the card (SET STATUS): then there is no session.
std::optional<scp03::Scp03Channel> open_session(std::uint8_t sl, scp03::Mode mode, bool first) {
  const Bytes hc(scp03::block_len(mode), 0x5A);
  const auto iu = transmit(iso7816::CommandApdu{0x80, 0x50, 0x30, 0x00, hc, 256, false}.encode());
  if (iu.sw != 0x9000) {
    if (first) violation("INITIALIZE UPDATE refused on a new card");
    return std::nullopt;
  }
  const std::size_t n = scp03::block_len(mode);
  const Bytes cc(iu.data.begin() + 13, iu.data.begin() + 13 + static_cast<std::ptrdiff_t>(n));
  scp03::SessionKeys sk = scp03::derive_session_keys(test_keys(), hc, cc);
  const Bytes host_cryptogram = scp03::host_cryptogram(sk, mode, hc, cc);
  scp03::Scp03Channel ch(std::move(sk), mode);
  const auto ea = transmit(ch.wrap_command({0x80, 0x82, sl, 0x00, host_cryptogram, 0, false}).encode());
  if (ea.sw != 0x9000) {
    if (first) violation("EXTERNAL AUTHENTICATE refused on a new card");
    return std::nullopt;  // the key set 30 was replaced by other keys
  }
  ch.set_security_level(sl);
  return ch;
}

// The channel on its own: arbitrary input never crashes it, and a command it refused is refused
// again (a refused command leaves the MAC chaining value where it was, and the chance that a
// forged MAC verifies is 2^-64).
void standalone(ByteView apdu, std::uint8_t sl, scp03::Mode mode) {
  iso7816::CommandApdu c;
  try {
    c = iso7816::CommandApdu::parse(apdu);
  } catch (const Error&) {
    return;
  }
  const Bytes hc(scp03::block_len(mode), 1), cc(scp03::block_len(mode), 2);
  scp03::Scp03Channel card(scp03::derive_session_keys(test_keys(), hc, cc), mode, sl);
  try {
    card.unwrap_command(c);
    return;
  } catch (const Error&) {
  }
  try {
    card.unwrap_command(c);
  } catch (const Error&) {
    return;
  }
  if (sl & scp03::level::c_mac) violation("a refused command was accepted when sent again");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  World& w = world();
  try {
    w.service.create_card({kSeid, "fuzz"});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_scp03_unwrap: setup failed: %s\n", e.what());
    std::abort();
  }
  const std::uint8_t sl = kLevels[data[0] % std::size(kLevels)];
  const scp03::Mode mode = (data[1] & 1) ? scp03::Mode::s16 : scp03::Mode::s8;
  std::optional<scp03::Scp03Channel> host = open_session(sl, mode, true);
  bool trusted = true;  // no raw bytes since the session opened
  std::size_t pos = 2;
  while (pos < size) {
    const std::uint8_t op = data[pos++] % 3;
    if (op == 2) {
      host = open_session(sl, mode, false);
      trusted = true;
      continue;
    }
    if (pos >= size) break;
    const std::size_t want = data[pos++];
    const ByteView apdu(data + pos, std::min(want, size - pos));
    pos += apdu.size();
    if (op == 0) {
      standalone(apdu, sl, mode);
      transmit(apdu);
      trusted = false;
      continue;
    }
    if (!host) continue;
    iso7816::CommandApdu plain;
    try {
      plain = iso7816::CommandApdu::parse(apdu);
      plain.cla = static_cast<std::uint8_t>(plain.cla & 0x80);  // channel 0, no SM, no chaining
      if (plain.ins == 0x50 || plain.ins == 0x82 || plain.ins == 0xA4 || plain.ins == 0x70 || plain.ins == 0xC0) continue;
    } catch (const Error&) {
      continue;
    }
    iso7816::CommandApdu wrapped;
    try {
      wrapped = host->wrap_command(plain);
    } catch (const Error&) {
      continue;  // too long to wrap
    }
    const auto r = transmit(wrapped.encode());
    if (!trusted) continue;
    if ((r.sw >> 8) == 0x61) {  // the rest through GET RESPONSE is not this target's business
      trusted = false;
      continue;
    }
    try {
      host->unwrap_response(r);
    } catch (const Error&) {
      violation("the card's protected response does not verify at the terminal");
    }
  }
  w.service.delete_card(kSeid);
  return 0;
}
