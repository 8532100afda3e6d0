#include "pkcs11/ck_rv.h"

#include <new>

#include "host/wsca/wsca_client.h"

namespace sesame::pkcs11 {

CK_RV ck_rv_of_sw(std::uint16_t sw) noexcept {
  if ((sw & 0xFFF0) == 0x63C0) return CKR_PIN_INCORRECT;
  switch (sw) {
    case 0x9000: return CKR_OK;
    case 0x6982:  // security status not satisfied: no (or an expired) user authentication
      return CKR_USER_NOT_LOGGED_IN;
    case 0x6601:  // a PIN delay runs (escalating delays after wrong PINs): temporarily locked
    case 0x6983:  // authentication method blocked
      return CKR_PIN_LOCKED;
    case 0x6984:  // reference data not usable: no PIN / no PUK
      return CKR_USER_PIN_NOT_INITIALIZED;
    case 0x6985:  // conditions of use not satisfied (unit not active, no challenge)
      return CKR_FUNCTION_FAILED;
    case 0x6A80:  // incorrect data
      return CKR_ARGUMENTS_BAD;
    case 0x6A88:  // referenced data not found: no such key (in this unit)
      return CKR_OBJECT_HANDLE_INVALID;
    case 0x6581:  // memory failure: the card's store failed
      return CKR_DEVICE_MEMORY;
    case 0x6A84: return CKR_DEVICE_MEMORY;
    default: return CKR_DEVICE_ERROR;
  }
}

CK_RV ck_rv_of_errc(Errc code) noexcept {
  switch (code) {
    case Errc::invalid_argument: return CKR_ARGUMENTS_BAD;
    case Errc::parse: return CKR_DEVICE_ERROR;  // the card answered something malformed
    case Errc::integrity: return CKR_DEVICE_MEMORY;
    case Errc::crypto: return CKR_FUNCTION_FAILED;
    case Errc::not_found: return CKR_TOKEN_NOT_PRESENT;
    case Errc::state: return CKR_FUNCTION_FAILED;
    case Errc::io: return CKR_DEVICE_ERROR;
    case Errc::internal: return CKR_GENERAL_ERROR;
    default: return CKR_GENERAL_ERROR;
  }
}

CK_RV ck_rv_of_current_exception() noexcept {
  try {
    throw;
  } catch (const Pkcs11Error& e) {
    return e.rv();
  } catch (const host::wsca::CardRefused& e) {
    return ck_rv_of_sw(e.sw());
  } catch (const Error& e) {
    return ck_rv_of_errc(e.code());
  } catch (const std::bad_alloc&) {
    return CKR_HOST_MEMORY;
  } catch (...) {
    return CKR_GENERAL_ERROR;
  }
}

}  // namespace sesame::pkcs11
