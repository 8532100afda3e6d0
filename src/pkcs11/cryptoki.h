// The PKCS#11 2.40 declarations, from Debian's p11-kit header (its permissive licence: "unlimited
// permission to copy and/or distribute"), included from the system, not copied. Standard names
// (CK_RV, CKA_LABEL...): p11-kit's compatibility mode is its default.
#pragma once

#include <p11-kit/pkcs11.h>
