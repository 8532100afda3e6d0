// The PKCS#11 boundary's mapping table (src/pkcs11/ck_rv.cpp): every status word, error category
// and exception type the module can meet becomes one definite CK_RV, and guarded() never throws.
#include "pkcs11/ck_rv.h"

#include <gtest/gtest.h>

#include <new>
#include <stdexcept>

#include "host/wsca/wsca_client.h"

namespace sesame::pkcs11 {
namespace {

TEST(CkRvTest, StatusWords) {
  EXPECT_EQ(ck_rv_of_sw(0x9000), CKR_OK);
  EXPECT_EQ(ck_rv_of_sw(0x6982), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(ck_rv_of_sw(0x6983), CKR_PIN_LOCKED);
  EXPECT_EQ(ck_rv_of_sw(0x6601), CKR_PIN_LOCKED);  // a PIN delay is running (escalating delays)
  EXPECT_EQ(ck_rv_of_sw(0x6984), CKR_USER_PIN_NOT_INITIALIZED);
  EXPECT_EQ(ck_rv_of_sw(0x6985), CKR_FUNCTION_FAILED);
  EXPECT_EQ(ck_rv_of_sw(0x6A80), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(ck_rv_of_sw(0x6A88), CKR_OBJECT_HANDLE_INVALID);
  EXPECT_EQ(ck_rv_of_sw(0x6581), CKR_DEVICE_MEMORY);
  EXPECT_EQ(ck_rv_of_sw(0x6A84), CKR_DEVICE_MEMORY);
  for (std::uint16_t x = 0; x < 16; ++x)
    EXPECT_EQ(ck_rv_of_sw(static_cast<std::uint16_t>(0x63C0 | x)), CKR_PIN_INCORRECT);
  for (std::uint16_t sw : {0x6F00, 0x6D00, 0x6E00, 0x6700, 0x6A86, 0x0000, 0xFFFF})
    EXPECT_EQ(ck_rv_of_sw(sw), CKR_DEVICE_ERROR) << std::hex << sw;
}

TEST(CkRvTest, ErrorCategories) {
  EXPECT_EQ(ck_rv_of_errc(Errc::invalid_argument), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(ck_rv_of_errc(Errc::parse), CKR_DEVICE_ERROR);
  EXPECT_EQ(ck_rv_of_errc(Errc::integrity), CKR_DEVICE_MEMORY);
  EXPECT_EQ(ck_rv_of_errc(Errc::crypto), CKR_FUNCTION_FAILED);
  EXPECT_EQ(ck_rv_of_errc(Errc::not_found), CKR_TOKEN_NOT_PRESENT);
  EXPECT_EQ(ck_rv_of_errc(Errc::state), CKR_FUNCTION_FAILED);
  EXPECT_EQ(ck_rv_of_errc(Errc::io), CKR_DEVICE_ERROR);
  EXPECT_EQ(ck_rv_of_errc(Errc::internal), CKR_GENERAL_ERROR);
  EXPECT_EQ(ck_rv_of_errc(static_cast<Errc>(99)), CKR_GENERAL_ERROR) << "fails closed";
}

TEST(CkRvTest, GuardedCatchesEverything) {
  EXPECT_EQ(guarded([]() -> CK_RV { return CKR_OK; }), CKR_OK);
  EXPECT_EQ(guarded([]() -> CK_RV { throw_rv(CKR_SESSION_HANDLE_INVALID); }), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(guarded([]() -> CK_RV { throw host::wsca::CardRefused(0x63C2); }), CKR_PIN_INCORRECT);
  EXPECT_EQ(guarded([]() -> CK_RV { throw host::wsca::CardRefused(0x6983); }), CKR_PIN_LOCKED);
  EXPECT_EQ(guarded([]() -> CK_RV { fail(Errc::io, "x"); }), CKR_DEVICE_ERROR);
  EXPECT_EQ(guarded([]() -> CK_RV { throw std::bad_alloc(); }), CKR_HOST_MEMORY);
  EXPECT_EQ(guarded([]() -> CK_RV { throw std::runtime_error("x"); }), CKR_GENERAL_ERROR);
  EXPECT_EQ(guarded([]() -> CK_RV { throw 42; }), CKR_GENERAL_ERROR);
}

}  // namespace
}  // namespace sesame::pkcs11
