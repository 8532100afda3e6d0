// ISO/IEC 7816-4 status words (SW1 SW2), with their spec names.
#pragma once

#include <cstdint>
#include <exception>
#include <string>

namespace sesame::iso7816 {

enum class Sw : std::uint16_t {
  ok = 0x9000,
  warning_data_corrupted = 0x6281,         // part of returned data may be corrupted
  warning_end_of_file = 0x6282,            // end of file or record reached before Ne bytes
  warning_selected_deactivated = 0x6283,   // selected file or application deactivated/locked
  warning_verification_failed = 0x6300,    // no information given
  execution_error = 0x6400,
  memory_failure = 0x6581,
  wrong_length = 0x6700,
  logical_channel_not_supported = 0x6881,
  secure_messaging_not_supported = 0x6882,
  last_command_of_chain_expected = 0x6883,
  command_chaining_not_supported = 0x6884,
  command_incompatible_with_file = 0x6981,
  security_status_not_satisfied = 0x6982,
  authentication_method_blocked = 0x6983,
  reference_data_not_usable = 0x6984,
  conditions_not_satisfied = 0x6985,
  command_not_allowed_no_current_ef = 0x6986,
  sm_data_objects_missing = 0x6987,
  sm_data_objects_incorrect = 0x6988,
  incorrect_data = 0x6A80,
  function_not_supported = 0x6A81,
  file_not_found = 0x6A82,
  record_not_found = 0x6A83,
  not_enough_memory = 0x6A84,
  incorrect_p1p2 = 0x6A86,
  lc_inconsistent_with_p1p2 = 0x6A87,
  referenced_data_not_found = 0x6A88,
  wrong_p1p2 = 0x6B00,
  ins_not_supported = 0x6D00,
  cla_not_supported = 0x6E00,
  no_precise_diagnosis = 0x6F00,
};

constexpr std::uint16_t sw_value(Sw sw) { return static_cast<std::uint16_t>(sw); }
// 61xx: xx more bytes available with GET RESPONSE (00 means 256 or more).
constexpr std::uint16_t sw_bytes_remaining(std::uint8_t xx) { return static_cast<std::uint16_t>(0x6100 | xx); }
// 6Cxx: wrong Le, xx is the exact length.
constexpr std::uint16_t sw_wrong_le(std::uint8_t xx) { return static_cast<std::uint16_t>(0x6C00 | xx); }
// 63Cx: verification failed, x tries left.
constexpr std::uint16_t sw_tries_left(std::uint8_t x) { return static_cast<std::uint16_t>(0x63C0 | (x & 0x0F)); }

// "6A82 file or application not found"-style description of any status word.
std::string sw_name(std::uint16_t sw);

// The card runtime's way for an applet to end a command with a status word (like Java Card's
// ISOException). The dispatcher catches it at the APDU boundary; nothing pending is committed.
class SwError : public std::exception {
 public:
  explicit SwError(std::uint16_t sw) : sw_(sw) {}
  explicit SwError(Sw sw) : sw_(sw_value(sw)) {}
  std::uint16_t sw() const noexcept { return sw_; }
  const char* what() const noexcept override { return "status word"; }

 private:
  std::uint16_t sw_;
};

[[noreturn]] inline void throw_sw(Sw sw) { throw SwError(sw); }
[[noreturn]] inline void throw_sw(std::uint16_t sw) { throw SwError(sw); }

}  // namespace sesame::iso7816
