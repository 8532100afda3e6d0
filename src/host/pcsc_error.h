// PC/SC result codes by their SCard names, so every failure a PcscReader reports says which one
// ("SCardConnect: SCARD_E_NO_SMARTCARD (0x8010000C)") instead of a bare number.
#pragma once

#include <string>

namespace sesame::host {

// "SCARD_E_NO_SMARTCARD"; "SCARD_S_SUCCESS" for 0; "unknown PC/SC error 0x...." otherwise.
std::string pcsc_error_name(long rv);

// "<call>: SCARD_E_... (0x8010000C)".
std::string pcsc_error_text(const char* call, long rv);

}  // namespace sesame::host
