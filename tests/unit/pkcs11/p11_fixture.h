// Loads libsesame-pkcs11.so with dlopen, exactly as an application does, over a fresh state dir,
// and drives it only through the function list of C_GetFunctionList.
#pragma once

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "crypto/random.h"
#include "pkcs11/cryptoki.h"
#include "util/hex.h"

namespace sesame::pkcs11::testing {

namespace fs = std::filesystem;

// $SESAME_PKCS11_MODULE, else <dir of this test binary>/../lib/libsesame-pkcs11.so.
inline std::string module_path() {
  if (const char* p = std::getenv("SESAME_PKCS11_MODULE"); p && *p) return p;
  return (fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "lib" / "libsesame-pkcs11.so")
      .string();
}

class P11Fixture {
 public:
  P11Fixture() {
    dir = fs::temp_directory_path() /
          ("sesame-p11-" + std::to_string(::getpid()) + "-" + to_hex(crypto::random_bytes(4)));
    ::setenv("SESAME_PKCS11_STATE_DIR", dir.string().c_str(), 1);
    ::unsetenv("SESAME_PKCS11_CONFIG");
    // RTLD_NODELETE: crypto/ keeps fetched OpenSSL algorithms in statics for the life of the process;
    // unmapping the module at dlclose would make LeakSanitizer report them.
    handle = ::dlopen(module_path().c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!handle) ADD_FAILURE() << "dlopen " << module_path() << ": " << ::dlerror();
    if (!handle) return;
    auto get = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(handle, "C_GetFunctionList"));
    if (!get || get(&f) != CKR_OK) ADD_FAILURE() << "C_GetFunctionList";
  }
  ~P11Fixture() {
    if (f) f->C_Finalize(nullptr);
    if (handle) ::dlclose(handle);
    fs::remove_all(dir);
  }

  CK_SESSION_HANDLE open(CK_SLOT_ID slot, bool rw = true) {
    CK_SESSION_HANDLE h = 0;
    EXPECT_EQ(f->C_OpenSession(slot, CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0), nullptr, nullptr, &h),
              CKR_OK);
    return h;
  }
  CK_RV login(CK_SESSION_HANDLE h, const std::string& pin, CK_USER_TYPE type = CKU_USER) {
    return f->C_Login(h, type, reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.data())), pin.size());
  }
  std::vector<CK_SLOT_ID> slots() {
    CK_ULONG n = 0;
    EXPECT_EQ(f->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK);
    std::vector<CK_SLOT_ID> out(n);
    EXPECT_EQ(f->C_GetSlotList(CK_TRUE, out.data(), &n), CKR_OK);
    out.resize(n);
    return out;
  }
  // C_InitToken on the free slot (PUK = so_pin), then C_InitPIN as SO. Returns the new slot.
  CK_SLOT_ID provision(const std::string& label, const std::string& pin = "123456",
                       const std::string& so_pin = "12345678") {
    const auto before = slots();
    CK_UTF8CHAR lab[32];
    std::fill(std::begin(lab), std::end(lab), ' ');
    std::copy(label.begin(), label.end(), lab);
    EXPECT_EQ(f->C_InitToken(0, reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(so_pin.data())),
                             so_pin.size(), lab),
              CKR_OK);
    CK_SLOT_ID slot = 0;
    for (auto s : slots())
      if (std::find(before.begin(), before.end(), s) == before.end()) slot = s;
    EXPECT_NE(slot, 0u);
    const CK_SESSION_HANDLE h = open(slot);
    EXPECT_EQ(login(h, so_pin, CKU_SO), CKR_OK);
    EXPECT_EQ(f->C_InitPIN(h, reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.data())), pin.size()),
              CKR_OK);
    EXPECT_EQ(f->C_Logout(h), CKR_OK);
    EXPECT_EQ(f->C_CloseSession(h), CKR_OK);
    return slot;
  }

  fs::path dir;
  void* handle = nullptr;
  CK_FUNCTION_LIST_PTR f = nullptr;
};

}  // namespace sesame::pkcs11::testing
