#include "iso7816/status_word.h"

#include <cstdio>

namespace sesame::iso7816 {

std::string sw_name(std::uint16_t sw) {
  char hex[5];
  std::snprintf(hex, sizeof hex, "%04X", sw);
  const std::uint8_t sw1 = sw >> 8, sw2 = sw & 0xFF;
  std::string text;
  switch (static_cast<Sw>(sw)) {
    case Sw::ok: text = "success"; break;
    case Sw::warning_data_corrupted: text = "part of returned data may be corrupted"; break;
    case Sw::warning_end_of_file: text = "end of file or record reached before reading Ne bytes"; break;
    case Sw::warning_selected_deactivated: text = "selected file or application deactivated"; break;
    case Sw::warning_verification_failed: text = "verification failed"; break;
    case Sw::execution_error: text = "execution error"; break;
    case Sw::memory_failure: text = "memory failure"; break;
    case Sw::wrong_length: text = "wrong length"; break;
    case Sw::logical_channel_not_supported: text = "logical channel not supported"; break;
    case Sw::secure_messaging_not_supported: text = "secure messaging not supported"; break;
    case Sw::last_command_of_chain_expected: text = "last command of the chain expected"; break;
    case Sw::command_chaining_not_supported: text = "command chaining not supported"; break;
    case Sw::command_incompatible_with_file: text = "command incompatible with file structure"; break;
    case Sw::security_status_not_satisfied: text = "security status not satisfied"; break;
    case Sw::authentication_method_blocked: text = "authentication method blocked"; break;
    case Sw::reference_data_not_usable: text = "reference data not usable"; break;
    case Sw::conditions_not_satisfied: text = "conditions of use not satisfied"; break;
    case Sw::command_not_allowed_no_current_ef: text = "command not allowed (no current EF)"; break;
    case Sw::sm_data_objects_missing: text = "expected secure messaging data objects missing"; break;
    case Sw::sm_data_objects_incorrect: text = "incorrect secure messaging data objects"; break;
    case Sw::incorrect_data: text = "incorrect parameters in the command data field"; break;
    case Sw::function_not_supported: text = "function not supported"; break;
    case Sw::file_not_found: text = "file or application not found"; break;
    case Sw::record_not_found: text = "record not found"; break;
    case Sw::not_enough_memory: text = "not enough memory space in the file"; break;
    case Sw::incorrect_p1p2: text = "incorrect parameters P1-P2"; break;
    case Sw::lc_inconsistent_with_p1p2: text = "Lc inconsistent with P1-P2"; break;
    case Sw::referenced_data_not_found: text = "referenced data or reference data not found"; break;
    case Sw::wrong_p1p2: text = "wrong parameters P1-P2"; break;
    case Sw::ins_not_supported: text = "instruction code not supported or invalid"; break;
    case Sw::cla_not_supported: text = "class not supported"; break;
    case Sw::no_precise_diagnosis: text = "no precise diagnosis"; break;
    default:
      if (sw1 == 0x61) text = std::to_string(sw2 ? sw2 : 256) + " bytes still available";
      else if (sw1 == 0x6C) text = "wrong Le field; exact length is " + std::to_string(sw2 ? sw2 : 256);
      else if (sw1 == 0x63 && (sw2 & 0xF0) == 0xC0) text = "verification failed, " + std::to_string(sw2 & 0x0F) + " tries left";
      else text = "unknown status";
  }
  return std::string(hex) + " " + text;
}

}  // namespace sesame::iso7816
