// The PKCS#11 2.40 entry points of libsesame-pkcs11.so: general, slot, token, session and login
// functions, and the function list. Object, key and signing functions: entry_objects.cpp.
// Every function runs its body through guarded() (ck_rv.h): nothing is thrown into the caller.
#include "pkcs11/entry.h"

#include <atomic>
#include <cstring>
#include <mutex>
#include <string_view>

#include "pkcs11/ck_rv.h"
#include "pkcs11/module.h"

namespace sesame::pkcs11 {
namespace {

std::mutex g_lifecycle;  // C_Initialize / C_Finalize only, never on an operation's path
std::atomic<Module*> g_module{nullptr};

void pad(CK_UTF8CHAR* dst, std::size_t n, std::string_view s) {
  std::memset(dst, ' ', n);
  std::memcpy(dst, s.data(), std::min(n, s.size()));
}

constexpr CK_MECHANISM_TYPE kMechanisms[] = {CKM_EC_KEY_PAIR_GEN, CKM_ECDSA, CKM_ECDSA_SHA256,
                                             CKM_ECDSA_SHA384, CKM_ECDH1_DERIVE};

}  // namespace

Module& module() {
  Module* m = g_module.load(std::memory_order_acquire);
  if (!m) throw_rv(CKR_CRYPTOKI_NOT_INITIALIZED);
  return *m;
}

}  // namespace sesame::pkcs11

using namespace sesame;          // NOLINT
using namespace sesame::pkcs11;  // NOLINT

CK_EXPORT CK_RV C_Initialize(CK_VOID_PTR init_args) {
  return guarded([&] {
    if (init_args) {
      const auto* a = static_cast<CK_C_INITIALIZE_ARGS*>(init_args);
      if (a->pReserved) return CKR_ARGUMENTS_BAD;
      const bool some = a->CreateMutex || a->DestroyMutex || a->LockMutex || a->UnlockMutex;
      const bool all = a->CreateMutex && a->DestroyMutex && a->LockMutex && a->UnlockMutex;
      if (some && !all) return CKR_ARGUMENTS_BAD;
      // We lock with the OS's primitives; an application that supplies only its own cannot have us.
      if (all && !(a->flags & CKF_OS_LOCKING_OK)) return CKR_CANT_LOCK;
    }
    std::lock_guard lock(g_lifecycle);
    if (g_module.load()) return CKR_CRYPTOKI_ALREADY_INITIALIZED;
    try {
      g_module.store(new Module(load_module_config()), std::memory_order_release);
    } catch (const sesame::Error&) {
      return CKR_GENERAL_ERROR;  // no configuration, or the state dir cannot be opened
    }
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_Finalize(CK_VOID_PTR reserved) {
  return guarded([&] {
    if (reserved) return CKR_ARGUMENTS_BAD;
    std::lock_guard lock(g_lifecycle);
    Module* m = g_module.exchange(nullptr);
    if (!m) return CKR_CRYPTOKI_NOT_INITIALIZED;
    delete m;
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_GetInfo(CK_INFO_PTR info) {
  return guarded([&] {
    module();
    if (!info) return CKR_ARGUMENTS_BAD;
    *info = {};
    info->cryptokiVersion = {2, 40};
    pad(info->manufacturerID, sizeof info->manufacturerID, "sesame");
    pad(info->libraryDescription, sizeof info->libraryDescription, "sesame WSCA PKCS#11 module");
    info->libraryVersion = {0, 1};
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_GetSlotList(CK_BBOOL /*token_present*/, CK_SLOT_ID_PTR list, CK_ULONG_PTR count) {
  return guarded([&] {
    if (!count) return CKR_ARGUMENTS_BAD;
    const auto ids = module().slot_ids();  // every slot has a token (the free slot an uninitialised one)
    if (!list) {
      *count = ids.size();
      return CKR_OK;
    }
    if (*count < ids.size()) {
      *count = ids.size();
      return CKR_BUFFER_TOO_SMALL;
    }
    std::copy(ids.begin(), ids.end(), list);
    *count = ids.size();
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_GetSlotInfo(CK_SLOT_ID id, CK_SLOT_INFO_PTR info) {
  return guarded([&] {
    auto sl = module().slot(id);
    if (!info) return CKR_ARGUMENTS_BAD;
    *info = {};
    pad(info->slotDescription, sizeof info->slotDescription,
        sl ? "sesame WSCA wallet unit " + std::to_string(sl->unit)
           : std::string("sesame WSCA (new wallet unit)"));
    pad(info->manufacturerID, sizeof info->manufacturerID, "sesame");
    info->flags = CKF_TOKEN_PRESENT;
    info->hardwareVersion = {0, 1};
    info->firmwareVersion = {0, 1};
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_GetTokenInfo(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info) {
  return guarded([&] {
    Module& m = module();
    auto sl = m.slot(id);
    if (!info) return CKR_ARGUMENTS_BAD;
    *info = {};
    pad(info->manufacturerID, sizeof info->manufacturerID, "sesame");
    pad(info->model, sizeof info->model, "WSCA");
    info->flags = CKF_LOGIN_REQUIRED;
    if (sl) {
      pad(info->label, sizeof info->label, sl->label);
      char serial[17];
      std::snprintf(serial, sizeof serial, "%016lx", static_cast<unsigned long>(sl->id));
      pad(info->serialNumber, sizeof info->serialNumber, serial);
      const auto u = sl->client->unit_info(sl->unit);
      info->flags |= CKF_TOKEN_INITIALIZED;
      if (u.state == iso7816::wsca::UnitState::active) info->flags |= CKF_USER_PIN_INITIALIZED;
      if (u.pin_tries) {
        if (*u.pin_tries == 0)
          info->flags |= CKF_USER_PIN_LOCKED;
        else if (*u.pin_tries == 1)
          info->flags |= CKF_USER_PIN_FINAL_TRY;
        if (*u.pin_tries < 5) info->flags |= CKF_USER_PIN_COUNT_LOW;
      }
      if (u.puk_tries) {
        if (*u.puk_tries == 0)
          info->flags |= CKF_SO_PIN_LOCKED;
        else if (*u.puk_tries == 1)
          info->flags |= CKF_SO_PIN_FINAL_TRY;
        if (*u.puk_tries < 5) info->flags |= CKF_SO_PIN_COUNT_LOW;
      }
    } else {
      pad(info->label, sizeof info->label, "");
      pad(info->serialNumber, sizeof info->serialNumber, "0");
    }
    info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulSessionCount = CK_UNAVAILABLE_INFORMATION;
    info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulRwSessionCount = CK_UNAVAILABLE_INFORMATION;
    info->ulMaxPinLen = 16;
    info->ulMinPinLen = 6;
    info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info->hardwareVersion = {0, 1};
    info->firmwareVersion = {0, 1};
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_GetMechanismList(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count) {
  return guarded([&] {
    module().slot(id);
    if (!count) return CKR_ARGUMENTS_BAD;
    constexpr CK_ULONG n = std::size(kMechanisms);
    if (!list) {
      *count = n;
      return CKR_OK;
    }
    if (*count < n) {
      *count = n;
      return CKR_BUFFER_TOO_SMALL;
    }
    std::copy(std::begin(kMechanisms), std::end(kMechanisms), list);
    *count = n;
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_GetMechanismInfo(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info) {
  return guarded([&] {
    module().slot(id);
    if (!info) return CKR_ARGUMENTS_BAD;
    const CK_FLAGS ec = CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS;
    info->ulMinKeySize = 256;
    info->ulMaxKeySize = 384;
    switch (type) {
      case CKM_EC_KEY_PAIR_GEN: info->flags = CKF_GENERATE_KEY_PAIR | ec; return CKR_OK;
      case CKM_ECDSA:
      case CKM_ECDSA_SHA256:
      case CKM_ECDSA_SHA384: info->flags = CKF_SIGN | ec; return CKR_OK;
      case CKM_ECDH1_DERIVE: info->flags = CKF_DERIVE | ec; return CKR_OK;
      default: return CKR_MECHANISM_INVALID;
    }
  });
}

CK_EXPORT CK_RV C_InitToken(CK_SLOT_ID id, CK_UTF8CHAR_PTR pin, CK_ULONG pin_len, CK_UTF8CHAR_PTR label) {
  return guarded([&] {
    Module& m = module();
    if ((!pin && pin_len) || !label) return CKR_ARGUMENTS_BAD;
    m.init_token(id, ByteView(pin, pin_len), std::string_view(reinterpret_cast<const char*>(label), 32));
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_InitPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR pin, CK_ULONG pin_len) {
  return guarded([&] {
    auto s = module().session(h);
    if (!pin && pin_len) return CKR_ARGUMENTS_BAD;
    if (!(s->flags & CKF_RW_SESSION)) return CKR_SESSION_READ_ONLY;
    module().init_pin(*s, ByteView(pin, pin_len));
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_SetPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR, CK_ULONG, CK_UTF8CHAR_PTR, CK_ULONG) {
  return guarded([&] {
    module().session(h);
    return CKR_FUNCTION_NOT_SUPPORTED;  // the WSCA changes a PIN only through UNBLOCK (C_InitPIN as SO)
  });
}

CK_EXPORT CK_RV C_OpenSession(CK_SLOT_ID id, CK_FLAGS flags, CK_VOID_PTR, CK_NOTIFY,
                              CK_SESSION_HANDLE_PTR h) {
  return guarded([&] {
    Module& m = module();
    if (!h) return CKR_ARGUMENTS_BAD;
    *h = m.open_session(id, flags);
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_CloseSession(CK_SESSION_HANDLE h) {
  return guarded([&] {
    module().close_session(h);
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_CloseAllSessions(CK_SLOT_ID id) {
  return guarded([&] {
    module().close_all_sessions(id);
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_GetSessionInfo(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info) {
  return guarded([&] {
    Module& m = module();
    auto s = m.session(h);
    if (!info) return CKR_ARGUMENTS_BAD;
    const bool rw = (s->flags & CKF_RW_SESSION) != 0;
    bool user = false, so = false;
    if (auto sl = m.slot(s->slot)) {
      std::lock_guard lock(sl->auth_mutex);
      user = sl->user;
      so = sl->so;
    }
    info->slotID = s->slot;
    info->flags = s->flags;
    info->ulDeviceError = 0;
    info->state = so     ? CKS_RW_SO_FUNCTIONS
                  : user ? (rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS)
                         : (rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION);
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_Login(CK_SESSION_HANDLE h, CK_USER_TYPE type, CK_UTF8CHAR_PTR pin, CK_ULONG pin_len) {
  return guarded([&] {
    Module& m = module();
    auto s = m.session(h);
    if (!pin && pin_len) return CKR_ARGUMENTS_BAD;
    if (type == CKU_SO && m.slot(s->slot) && !(s->flags & CKF_RW_SESSION))
      return CKR_SESSION_READ_ONLY_EXISTS;
    m.login(*s, type, ByteView(pin, pin_len));
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_Logout(CK_SESSION_HANDLE h) {
  return guarded([&] {
    Module& m = module();
    m.logout(*m.session(h));
    return CKR_OK;
  });
}

CK_EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
  return guarded([&] {
    if (!list) return CKR_ARGUMENTS_BAD;
    *list = &sesame::pkcs11::function_list();
    return CKR_OK;
  });
}
