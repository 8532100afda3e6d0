// Internal to libsesame-pkcs11.so: what its entry point files share.
#pragma once

#include "pkcs11/cryptoki.h"

#define CK_EXPORT extern "C" __attribute__((visibility("default")))

namespace sesame::pkcs11 {

class Module;
// The initialised module; CKR_CRYPTOKI_NOT_INITIALIZED (Pkcs11Error) before C_Initialize.
Module& module();
CK_FUNCTION_LIST& function_list();

}  // namespace sesame::pkcs11
