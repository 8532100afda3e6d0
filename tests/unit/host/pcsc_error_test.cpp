// SCard result names: values from pcsc-lite's pcsclite.h (the same as Microsoft's winerror.h).
#include "host/pcsc_error.h"

#include <gtest/gtest.h>

namespace sesame::host {
namespace {

TEST(PcscError, NamesTheCodes) {
  EXPECT_EQ(pcsc_error_name(0), "SCARD_S_SUCCESS");
  EXPECT_EQ(pcsc_error_name(0x8010000CL), "SCARD_E_NO_SMARTCARD");
  EXPECT_EQ(pcsc_error_name(0x8010001DL), "SCARD_E_NO_SERVICE");
  EXPECT_EQ(pcsc_error_name(0x8010002EL), "SCARD_E_NO_READERS_AVAILABLE");
  EXPECT_EQ(pcsc_error_name(0x80100069L), "SCARD_W_REMOVED_CARD");
  EXPECT_EQ(pcsc_error_name(0x12345L), "unknown PC/SC error 0x00012345");
  EXPECT_EQ(pcsc_error_text("SCardConnect", 0x8010000CL), "SCardConnect: SCARD_E_NO_SMARTCARD (0x8010000C)");
}

}  // namespace
}  // namespace sesame::host
