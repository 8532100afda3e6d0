// PKCS#11 entry points for objects, key generation, derivation, signing and random numbers; the
// functions sesame does not support; and the function list.
#include <cstring>

#include "crypto/random.h"
#include "pkcs11/ck_rv.h"
#include "pkcs11/entry.h"
#include "pkcs11/module.h"

using namespace sesame;          // NOLINT
using namespace sesame::pkcs11;  // NOLINT

namespace {

Attributes parse_template(CK_ATTRIBUTE_PTR t, CK_ULONG n) {
  if (!t && n) throw_rv(CKR_ARGUMENTS_BAD);
  Attributes out;
  for (CK_ULONG i = 0; i < n; ++i) {
    if (!t[i].pValue && t[i].ulValueLen) throw_rv(CKR_ARGUMENTS_BAD);
    const auto* p = static_cast<const std::uint8_t*>(t[i].pValue);
    out[t[i].type] = p ? Bytes(p, p + t[i].ulValueLen) : Bytes{};
  }
  return out;
}

}  // namespace

CK_EXPORT CK_RV C_GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR t,
                                    CK_ULONG n) {
  return guarded([&] {
    Module& m = module();
    auto s = m.session(h);
    if (!t && n) return CKR_ARGUMENTS_BAD;
    const Attributes a = m.attributes(*s, obj);
    const auto cls = attr_to_ulong(a.at(CKA_CLASS));
    const bool secret_value = cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY;
    CK_RV rv = CKR_OK;
    for (CK_ULONG i = 0; i < n; ++i) {
      const auto it = a.find(t[i].type);
      if (it == a.end()) {
        t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
        rv = (t[i].type == CKA_VALUE && secret_value) ? CKR_ATTRIBUTE_SENSITIVE : CKR_ATTRIBUTE_TYPE_INVALID;
      } else if (!t[i].pValue) {
        t[i].ulValueLen = it->second.size();
      } else if (t[i].ulValueLen < it->second.size()) {
        t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
        rv = CKR_BUFFER_TOO_SMALL;
      } else {
        if (!it->second.empty()) std::memcpy(t[i].pValue, it->second.data(), it->second.size());
        t[i].ulValueLen = it->second.size();
      }
    }
    return rv;
  });
}

CK_EXPORT CK_RV C_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n) {
  return guarded([&] {
    Module& m = module();
    auto s = m.session(h);
    std::lock_guard lock(s->mutex);
    if (s->find) return CKR_OPERATION_ACTIVE;
    FindOp op;
    op.handles = m.find(*s, parse_template(t, n));
    s->find = std::move(op);
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max,
                              CK_ULONG_PTR count) {
  return guarded([&] {
    auto s = module().session(h);
    if (!out || !count) return CKR_ARGUMENTS_BAD;
    std::lock_guard lock(s->mutex);
    if (!s->find) return CKR_OPERATION_NOT_INITIALIZED;
    auto& f = *s->find;
    CK_ULONG n = 0;
    while (n < max && f.pos < f.handles.size()) out[n++] = f.handles[f.pos++];
    *count = n;
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE h) {
  return guarded([&] {
    auto s = module().session(h);
    std::lock_guard lock(s->mutex);
    if (!s->find) return CKR_OPERATION_NOT_INITIALIZED;
    s->find.reset();
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_DestroyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj) {
  return guarded([&] {
    Module& m = module();
    m.destroy(*m.session(h), obj);
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_ATTRIBUTE_PTR pub,
                                  CK_ULONG npub, CK_ATTRIBUTE_PTR priv, CK_ULONG npriv,
                                  CK_OBJECT_HANDLE_PTR hpub, CK_OBJECT_HANDLE_PTR hpriv) {
  return guarded([&] {
    Module& m = module();
    auto s = m.session(h);
    if (!mech || !hpub || !hpriv) return CKR_ARGUMENTS_BAD;
    if (mech->mechanism != CKM_EC_KEY_PAIR_GEN) return CKR_MECHANISM_INVALID;
    const auto [p, q] = m.generate_key_pair(*s, parse_template(pub, npub), parse_template(priv, npriv));
    *hpub = p;
    *hpriv = q;
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_DeriveKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE base,
                            CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR out) {
  return guarded([&] {
    Module& m = module();
    auto s = m.session(h);
    if (!mech || !out) return CKR_ARGUMENTS_BAD;
    if (mech->mechanism != CKM_ECDH1_DERIVE) return CKR_MECHANISM_INVALID;
    if (!mech->pParameter || mech->ulParameterLen != sizeof(CK_ECDH1_DERIVE_PARAMS))
      return CKR_MECHANISM_PARAM_INVALID;
    const auto* p = static_cast<const CK_ECDH1_DERIVE_PARAMS*>(mech->pParameter);
    if (p->kdf != CKD_NULL || p->ulSharedDataLen != 0 || !p->pPublicData || p->ulPublicDataLen == 0)
      return CKR_MECHANISM_PARAM_INVALID;
    *out = m.derive(*s, base, ByteView(p->pPublicData, p->ulPublicDataLen), parse_template(t, n));
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key) {
  return guarded([&] {
    Module& m = module();
    auto s = m.session(h);
    if (!mech) return CKR_ARGUMENTS_BAD;
    std::lock_guard lock(s->mutex);
    m.sign_init(*s, mech->mechanism, key);
    return CKR_OK;
  });
}

namespace {

// The two-call convention (PKCS#11 §5.2): a size query or a short buffer keeps the operation.
CK_RV finish_sign(Session& s, ByteView data, CK_BYTE_PTR sig, CK_ULONG_PTR len) {
  Module& m = module();
  if (!len) return CKR_ARGUMENTS_BAD;
  const std::size_t size = m.signature_size(s);
  if (!sig) {
    *len = size;
    return CKR_OK;
  }
  if (*len < size) {
    *len = size;
    return CKR_BUFFER_TOO_SMALL;
  }
  try {
    const Bytes out = m.sign_final(s, data);
    s.sign.reset();
    std::memcpy(sig, out.data(), out.size());
    *len = out.size();
    return CKR_OK;
  } catch (...) {
    s.sign.reset();
    throw;
  }
}

}  // namespace

CK_EXPORT CK_RV C_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG n, CK_BYTE_PTR sig, CK_ULONG_PTR len) {
  return guarded([&] {
    auto s = module().session(h);
    std::lock_guard lock(s->mutex);
    if (!s->sign) return CKR_OPERATION_NOT_INITIALIZED;
    if (!data && n) return CKR_ARGUMENTS_BAD;
    return finish_sign(*s, ByteView(data, n), sig, len);
  });
}

CK_EXPORT CK_RV C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG n) {
  return guarded([&] {
    auto s = module().session(h);
    std::lock_guard lock(s->mutex);
    if (!s->sign) return CKR_OPERATION_NOT_INITIALIZED;
    if ((!data && n) || !s->sign->hasher) {
      s->sign.reset();  // CKM_ECDSA is single-part only
      return data || !n ? CKR_FUNCTION_NOT_SUPPORTED : CKR_ARGUMENTS_BAD;
    }
    s->sign->hasher->update(ByteView(data, n));
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_SignFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR len) {
  return guarded([&] {
    auto s = module().session(h);
    std::lock_guard lock(s->mutex);
    if (!s->sign) return CKR_OPERATION_NOT_INITIALIZED;
    if (!s->sign->hasher) return CKR_FUNCTION_NOT_SUPPORTED;
    return finish_sign(*s, {}, sig, len);
  });
}

CK_EXPORT CK_RV C_GenerateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG n) {
  return guarded([&] {
    module().session(h);
    if (!out && n) return CKR_ARGUMENTS_BAD;
    if (n) {
      const Bytes r = crypto::random_bytes(n);
      std::memcpy(out, r.data(), n);
    }
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_SeedRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG) {
  return guarded([&] {
    module().session(h);
    return CKR_RANDOM_SEED_NOT_SUPPORTED;
  });
}

// Not supported: every one answers CKR_FUNCTION_NOT_SUPPORTED (after the initialisation check).
#define SESAME_UNSUPPORTED(name, params)                     \
  CK_EXPORT CK_RV name params {                              \
    return guarded([&] {                                     \
      module();                                              \
      return static_cast<CK_RV>(CKR_FUNCTION_NOT_SUPPORTED); \
    });                                                      \
  }

SESAME_UNSUPPORTED(C_GetOperationState, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR))
SESAME_UNSUPPORTED(C_SetOperationState,
                   (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE))
SESAME_UNSUPPORTED(C_CreateObject, (CK_SESSION_HANDLE, CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR))
SESAME_UNSUPPORTED(C_CopyObject,
                   (CK_SESSION_HANDLE, CK_OBJECT_HANDLE, CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR))
SESAME_UNSUPPORTED(C_GetObjectSize, (CK_SESSION_HANDLE, CK_OBJECT_HANDLE, CK_ULONG_PTR))
SESAME_UNSUPPORTED(C_SetAttributeValue, (CK_SESSION_HANDLE, CK_OBJECT_HANDLE, CK_ATTRIBUTE_PTR, CK_ULONG))
SESAME_UNSUPPORTED(C_EncryptInit, (CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE))
SESAME_UNSUPPORTED(C_Encrypt, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SESAME_UNSUPPORTED(C_EncryptUpdate, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SESAME_UNSUPPORTED(C_EncryptFinal, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR))
SESAME_UNSUPPORTED(C_DecryptInit, (CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE))
SESAME_UNSUPPORTED(C_Decrypt, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SESAME_UNSUPPORTED(C_DecryptUpdate, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SESAME_UNSUPPORTED(C_DecryptFinal, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR))
SESAME_UNSUPPORTED(C_DigestInit, (CK_SESSION_HANDLE, CK_MECHANISM_PTR))
SESAME_UNSUPPORTED(C_Digest, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SESAME_UNSUPPORTED(C_DigestUpdate, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG))
SESAME_UNSUPPORTED(C_DigestKey, (CK_SESSION_HANDLE, CK_OBJECT_HANDLE))
SESAME_UNSUPPORTED(C_DigestFinal, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR))
SESAME_UNSUPPORTED(C_SignRecoverInit, (CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE))
SESAME_UNSUPPORTED(C_SignRecover, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SESAME_UNSUPPORTED(C_VerifyInit, (CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE))
SESAME_UNSUPPORTED(C_Verify, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG))
SESAME_UNSUPPORTED(C_VerifyUpdate, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG))
SESAME_UNSUPPORTED(C_VerifyFinal, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG))
SESAME_UNSUPPORTED(C_VerifyRecoverInit, (CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE))
SESAME_UNSUPPORTED(C_VerifyRecover, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SESAME_UNSUPPORTED(C_DigestEncryptUpdate,
                   (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SESAME_UNSUPPORTED(C_DecryptDigestUpdate,
                   (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SESAME_UNSUPPORTED(C_SignEncryptUpdate, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SESAME_UNSUPPORTED(C_DecryptVerifyUpdate,
                   (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SESAME_UNSUPPORTED(C_GenerateKey,
                   (CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR))
SESAME_UNSUPPORTED(C_WrapKey, (CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE,
                               CK_BYTE_PTR, CK_ULONG_PTR))
SESAME_UNSUPPORTED(C_UnwrapKey, (CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE, CK_BYTE_PTR, CK_ULONG,
                                 CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR))
SESAME_UNSUPPORTED(C_WaitForSlotEvent, (CK_FLAGS, CK_SLOT_ID_PTR, CK_VOID_PTR))

CK_EXPORT CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE) {
  return CKR_FUNCTION_NOT_PARALLEL;
}
CK_EXPORT CK_RV C_CancelFunction(CK_SESSION_HANDLE) {
  return CKR_FUNCTION_NOT_PARALLEL;
}

CK_FUNCTION_LIST& sesame::pkcs11::function_list() {
  static CK_FUNCTION_LIST list = {{2, 40},
                                  C_Initialize,
                                  C_Finalize,
                                  C_GetInfo,
                                  C_GetFunctionList,
                                  C_GetSlotList,
                                  C_GetSlotInfo,
                                  C_GetTokenInfo,
                                  C_GetMechanismList,
                                  C_GetMechanismInfo,
                                  C_InitToken,
                                  C_InitPIN,
                                  C_SetPIN,
                                  C_OpenSession,
                                  C_CloseSession,
                                  C_CloseAllSessions,
                                  C_GetSessionInfo,
                                  C_GetOperationState,
                                  C_SetOperationState,
                                  C_Login,
                                  C_Logout,
                                  C_CreateObject,
                                  C_CopyObject,
                                  C_DestroyObject,
                                  C_GetObjectSize,
                                  C_GetAttributeValue,
                                  C_SetAttributeValue,
                                  C_FindObjectsInit,
                                  C_FindObjects,
                                  C_FindObjectsFinal,
                                  C_EncryptInit,
                                  C_Encrypt,
                                  C_EncryptUpdate,
                                  C_EncryptFinal,
                                  C_DecryptInit,
                                  C_Decrypt,
                                  C_DecryptUpdate,
                                  C_DecryptFinal,
                                  C_DigestInit,
                                  C_Digest,
                                  C_DigestUpdate,
                                  C_DigestKey,
                                  C_DigestFinal,
                                  C_SignInit,
                                  C_Sign,
                                  C_SignUpdate,
                                  C_SignFinal,
                                  C_SignRecoverInit,
                                  C_SignRecover,
                                  C_VerifyInit,
                                  C_Verify,
                                  C_VerifyUpdate,
                                  C_VerifyFinal,
                                  C_VerifyRecoverInit,
                                  C_VerifyRecover,
                                  C_DigestEncryptUpdate,
                                  C_DecryptDigestUpdate,
                                  C_SignEncryptUpdate,
                                  C_DecryptVerifyUpdate,
                                  C_GenerateKey,
                                  C_GenerateKeyPair,
                                  C_WrapKey,
                                  C_UnwrapKey,
                                  C_DeriveKey,
                                  C_SeedRandom,
                                  C_GenerateRandom,
                                  C_GetFunctionStatus,
                                  C_CancelFunction,
                                  C_WaitForSlotEvent};
  return list;
}
