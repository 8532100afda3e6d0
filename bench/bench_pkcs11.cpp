// ECDSA P-256 signatures per second through PKCS#11, in process: sesame's libsesame-pkcs11.so and
// SoftHSM2 (Debian's /usr/lib/softhsm/libsofthsm2.so), each loaded with dlopen and driven only
// through its C_GetFunctionList table, as an application would; the baseline is raw OpenSSL
// (EVP_PKEY_sign on a P-256 key, one EVP_PKEY_CTX per thread). One item = C_SignInit(CKM_ECDSA) +
// C_Sign of a 32-byte digest (raw r||s), or one EVP_PKEY_sign of the same digest (DER).
//
// Both tokens live under $BENCH_TMPDIR: sesame's state dir (SESAME_PKCS11_STATE_DIR) and SoftHSM2's
// token dir (SOFTHSM2_CONF written here); both are initialised through PKCS#11 itself (C_InitToken,
// C_Login(SO), C_InitPIN, C_Login(USER), C_GenerateKeyPair) before any benchmark runs. Each thread
// opens its own session; a setup session stays open and logged in for the whole run.
//
// The module is found next to this program (<build>/lib/libsesame-pkcs11.so) or at
// $SESAME_PKCS11_MODULE; SoftHSM2 at $SOFTHSM2_MODULE or Debian's path. A module that cannot be
// loaded or set up leaves its groups unmeasured (the report says "No results") with the reason on
// stderr. The link line below names the module target only so that `--target benchmarks` builds it;
// --as-needed keeps it out of this program's DT_NEEDED (nothing here references it: it is dlopened).
//
// bench-links: sesame_pkcs11 OpenSSL::Crypto -Wl,--as-needed sesame-pkcs11
#include <benchmark/benchmark.h>
#include <dlfcn.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_env.h"
#include "pkcs11/cryptoki.h"

namespace {

namespace fs = std::filesystem;

constexpr unsigned char kDigest[32] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
                                       0xcc, 0xdd, 0xee, 0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
                                       0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};
// DER of the namedCurve OID prime256v1 (1.2.840.10045.3.1.7).
constexpr unsigned char kP256Params[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
const std::string kPin = "123456", kSoPin = "12345678";

CK_UTF8CHAR_PTR utf8(const std::string& s) {
  return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(s.data()));
}

void check(CK_RV rv, const char* what) {
  if (rv != CKR_OK) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "%s: CKR 0x%lx", what, static_cast<unsigned long>(rv));
    throw std::runtime_error(buf);
  }
}

// One initialised token of a module: a logged-in setup session and one P-256 key pair.
struct Provisioned {
  CK_SLOT_ID slot = 0;
  CK_SESSION_HANDLE setup = 0;
  CK_OBJECT_HANDLE key = 0, pub_key = 0;
};

// A PKCS#11 module with one or two initialised tokens.
struct Token {
  void* handle = nullptr;
  CK_FUNCTION_LIST_PTR f = nullptr;
  std::vector<Provisioned> tokens;

  std::vector<CK_SLOT_ID> slots(bool with_token) {
    CK_ULONG n = 0;
    check(f->C_GetSlotList(with_token ? CK_TRUE : CK_FALSE, nullptr, &n), "C_GetSlotList");
    std::vector<CK_SLOT_ID> out(n);
    check(f->C_GetSlotList(with_token ? CK_TRUE : CK_FALSE, out.data(), &n), "C_GetSlotList");
    out.resize(n);
    return out;
  }

  // Loads the module and initialises a token labelled `label`.
  void open(const std::string& path, const std::string& label) {
    handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) throw std::runtime_error(std::string("dlopen: ") + ::dlerror());
    auto get = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(handle, "C_GetFunctionList"));
    if (!get) throw std::runtime_error("no C_GetFunctionList");
    check(get(&f), "C_GetFunctionList");
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    check(f->C_Initialize(&args), "C_Initialize");
    provision(label);
  }

  // Initialises a token in the first slot whose token is not initialised and finds the slot of
  // the token labelled `label` afterwards (SoftHSM2 renumbers); its key pair; one checked signature.
  void provision(const std::string& label) {
    Provisioned p;
    CK_SLOT_ID& slot = p.slot;
    CK_SESSION_HANDLE& setup = p.setup;
    CK_OBJECT_HANDLE &key = p.key, &pub_key = p.pub_key;
    CK_SLOT_ID free_slot = 0;
    bool found = false;
    for (CK_SLOT_ID s : slots(true)) {
      CK_TOKEN_INFO ti{};
      check(f->C_GetTokenInfo(s, &ti), "C_GetTokenInfo");
      if (!(ti.flags & CKF_TOKEN_INITIALIZED)) {
        free_slot = s;
        found = true;
        break;
      }
    }
    if (!found) throw std::runtime_error("no uninitialised token");
    CK_UTF8CHAR lab[32];
    std::fill(std::begin(lab), std::end(lab), ' ');
    std::copy(label.begin(), label.end(), lab);
    check(f->C_InitToken(free_slot, utf8(kSoPin), kSoPin.size(), lab), "C_InitToken");
    found = false;
    for (CK_SLOT_ID s : slots(true)) {
      CK_TOKEN_INFO ti{};
      check(f->C_GetTokenInfo(s, &ti), "C_GetTokenInfo");
      if ((ti.flags & CKF_TOKEN_INITIALIZED) && std::equal(std::begin(lab), std::end(lab), ti.label)) {
        slot = s;
        found = true;
      }
    }
    if (!found) throw std::runtime_error("initialised token not found");
    check(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &setup),
          "C_OpenSession");
    check(f->C_Login(setup, CKU_SO, utf8(kSoPin), kSoPin.size()), "C_Login(SO)");
    check(f->C_InitPIN(setup, utf8(kPin), kPin.size()), "C_InitPIN");
    check(f->C_Logout(setup), "C_Logout");
    check(f->C_Login(setup, CKU_USER, utf8(kPin), kPin.size()), "C_Login(USER)");

    CK_MECHANISM gen{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    std::string key_label = "bench";
    CK_ATTRIBUTE pub[] = {
        {CKA_EC_PARAMS, const_cast<unsigned char*>(kP256Params), sizeof kP256Params},
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_VERIFY, &yes, sizeof yes},
        {CKA_LABEL, key_label.data(), key_label.size()},
    };
    CK_ATTRIBUTE priv[] = {
        {CKA_TOKEN, &yes, sizeof yes},     {CKA_PRIVATE, &yes, sizeof yes},
        {CKA_SENSITIVE, &yes, sizeof yes}, {CKA_EXTRACTABLE, &no, sizeof no},
        {CKA_SIGN, &yes, sizeof yes},      {CKA_LABEL, key_label.data(), key_label.size()},
    };
    check(f->C_GenerateKeyPair(setup, &gen, pub, std::size(pub), priv, std::size(priv), &pub_key, &key),
          "C_GenerateKeyPair");
    verify_one_signature(p);
    tokens.push_back(p);
  }

  // What is measured must be a real signature: one C_Sign, verified with OpenSSL against the
  // token's CKA_EC_POINT (DER OCTET STRING of the uncompressed point).
  void verify_one_signature(const Provisioned& p) {
    const CK_SESSION_HANDLE setup = p.setup;
    const CK_OBJECT_HANDLE key = p.key, pub_key = p.pub_key;
    unsigned char point[80];
    CK_ATTRIBUTE a{CKA_EC_POINT, point, sizeof point};
    check(f->C_GetAttributeValue(setup, pub_key, &a, 1), "C_GetAttributeValue(CKA_EC_POINT)");
    if (a.ulValueLen != 67 || point[0] != 0x04 || point[1] != 65) throw std::runtime_error("CKA_EC_POINT");
    CK_MECHANISM mech{CKM_ECDSA, nullptr, 0};
    unsigned char raw[64];
    CK_ULONG len = sizeof raw;
    check(f->C_SignInit(setup, &mech, key), "C_SignInit");
    check(f->C_Sign(setup, const_cast<unsigned char*>(kDigest), sizeof kDigest, raw, &len), "C_Sign");
    if (len != 64) throw std::runtime_error("signature length");

    char group[] = "prime256v1";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
                           OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point + 2, 65),
                           OSSL_PARAM_construct_end()};
    EVP_PKEY* pk = nullptr;
    EVP_PKEY_CTX* fctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    const bool have_key = fctx && EVP_PKEY_fromdata_init(fctx) == 1 &&
                          EVP_PKEY_fromdata(fctx, &pk, EVP_PKEY_PUBLIC_KEY, params) == 1;
    EVP_PKEY_CTX_free(fctx);
    ECDSA_SIG* sig = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(raw, 32, nullptr);
    BIGNUM* sv = BN_bin2bn(raw + 32, 32, nullptr);
    unsigned char* der = nullptr;
    int der_len = -1;
    if (sig && r && sv && ECDSA_SIG_set0(sig, r, sv) == 1) {
      r = sv = nullptr;  // owned by sig now
      der_len = i2d_ECDSA_SIG(sig, &der);
    }
    BN_free(r);
    BN_free(sv);
    ECDSA_SIG_free(sig);
    EVP_PKEY_CTX* vctx = have_key ? EVP_PKEY_CTX_new(pk, nullptr) : nullptr;
    const bool ok =
        vctx && der_len > 0 && EVP_PKEY_verify_init(vctx) == 1 &&
        EVP_PKEY_verify(vctx, der, static_cast<std::size_t>(der_len), kDigest, sizeof kDigest) == 1;
    EVP_PKEY_CTX_free(vctx);
    OPENSSL_free(der);
    EVP_PKEY_free(pk);
    if (!ok) throw std::runtime_error("the token's signature does not verify");
  }

  ~Token() {
    if (f) f->C_Finalize(nullptr);
    // Not dlclosed: the modules keep OpenSSL state in statics for the life of the process.
  }
};

std::unique_ptr<Token> g_sesame, g_softhsm;

// One thread's session: C_SignInit + C_Sign of the digest per item. With `two_tokens`, thread i
// signs on token i % 2 (each thread its own token when there are two threads), else all on token 0.
void pkcs11_sign(benchmark::State& state, Token* t, bool two_tokens) {
  if (two_tokens && t->tokens.size() < 2) {
    state.SkipWithError("the module has only one token");
    return;
  }
  const Provisioned& tok = t->tokens[two_tokens ? static_cast<std::size_t>(state.thread_index()) % 2 : 0];
  CK_SESSION_HANDLE h = 0;
  if (t->f->C_OpenSession(tok.slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h) != CKR_OK) {
    state.SkipWithError("C_OpenSession failed");
    return;
  }
  unsigned char sig[72];
  CK_MECHANISM mech{CKM_ECDSA, nullptr, 0};
  for (auto _ : state) {
    CK_ULONG len = sizeof sig;
    if (t->f->C_SignInit(h, &mech, tok.key) != CKR_OK ||
        t->f->C_Sign(h, const_cast<unsigned char*>(kDigest), sizeof kDigest, sig, &len) != CKR_OK ||
        len != 64) {
      state.SkipWithError("C_SignInit/C_Sign failed");
      break;
    }
    benchmark::DoNotOptimize(sig);
  }
  t->f->C_CloseSession(h);
  state.SetItemsProcessed(state.iterations());
}

// On 2 threads: one token per thread (two tokens of the same module, each on its own card).
void sesame_sign(benchmark::State& state) {
  pkcs11_sign(state, g_sesame.get(), state.threads() > 1);
  state.SetLabel(state.threads() > 1 ? "libsesame-pkcs11.so: SIGN APDU in process, one token per thread"
                                     : "libsesame-pkcs11.so: WSCA applet SIGN APDU in process");
}

// 2 threads on the same token (one card: its APDUs run one at a time).
void sesame_sign_same_token(benchmark::State& state) {
  pkcs11_sign(state, g_sesame.get(), false);
  state.SetLabel("libsesame-pkcs11.so: both threads on the same token");
}

void softhsm_sign(benchmark::State& state) {
  pkcs11_sign(state, g_softhsm.get(), state.threads() > 1);
  state.SetLabel(state.threads() > 1 ? "libsofthsm2.so (file object store), one token per thread"
                                     : "libsofthsm2.so (Debian softhsm2, file object store)");
}

// Raw OpenSSL: one P-256 key shared by the threads, one EVP_PKEY_CTX per thread, initialised once.
EVP_PKEY* g_ossl_key = nullptr;

void openssl_sign(benchmark::State& state) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(g_ossl_key, nullptr);
  if (!ctx || EVP_PKEY_sign_init(ctx) != 1) {
    EVP_PKEY_CTX_free(ctx);
    state.SkipWithError("EVP_PKEY_sign_init failed");
    return;
  }
  unsigned char sig[80];
  for (auto _ : state) {
    size_t len = sizeof sig;
    if (EVP_PKEY_sign(ctx, sig, &len, kDigest, sizeof kDigest) != 1) {
      state.SkipWithError("EVP_PKEY_sign failed");
      break;
    }
    benchmark::DoNotOptimize(sig);
  }
  EVP_PKEY_CTX_free(ctx);
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("EVP_PKEY_sign, EVP_PKEY_CTX reused (DER signature)");
}

// What crypto::ecdsa_sign_digest does per call, in raw OpenSSL: a new EVP_PKEY_CTX and sign_init,
// the length query, the signature, then DER to r||s (d2i, re-encoding for the canonical check,
// two BN conversions). Splits the gap to the baseline into this pattern and the rest of the path.
void openssl_per_call(benchmark::State& state) {
  unsigned char der[80], raw[64];
  for (auto _ : state) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(g_ossl_key, nullptr);
    size_t len = 0;
    bool ok = ctx && EVP_PKEY_sign_init(ctx) == 1 &&
              EVP_PKEY_sign(ctx, nullptr, &len, kDigest, sizeof kDigest) == 1 && len <= sizeof der &&
              EVP_PKEY_sign(ctx, der, &len, kDigest, sizeof kDigest) == 1;
    EVP_PKEY_CTX_free(ctx);
    const unsigned char* p = der;
    ECDSA_SIG* sig = ok ? d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)) : nullptr;
    unsigned char* again = nullptr;
    ok = sig && i2d_ECDSA_SIG(sig, &again) == static_cast<int>(len);
    OPENSSL_free(again);
    if (ok) {
      const BIGNUM *r = nullptr, *sv = nullptr;
      ECDSA_SIG_get0(sig, &r, &sv);
      ok = BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(sv, raw + 32, 32) == 32;
    }
    ECDSA_SIG_free(sig);
    if (!ok) {
      state.SkipWithError("per-call signing failed");
      break;
    }
    benchmark::DoNotOptimize(raw);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(
      "new EVP_PKEY_CTX per call, length query, DER to r||s (crypto::ecdsa_sign_digest's pattern)");
}

std::string sesame_module_path() {
  if (const char* p = std::getenv("SESAME_PKCS11_MODULE"); p && *p) return p;
  return (fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "lib" / "libsesame-pkcs11.so")
      .string();
}

std::string softhsm_module_path() {
  if (const char* p = std::getenv("SOFTHSM2_MODULE"); p && *p) return p;
  return "/usr/lib/softhsm/libsofthsm2.so";
}

fs::path token_root() {
  return sesame::bench::tmpdir() / "bench_pkcs11";
}

// Fresh directories under the bench tmpdir; the environment each module reads at C_Initialize.
void setup_tokens() {
  const fs::path root = token_root();
  fs::remove_all(root);
  fs::create_directories(root / "softhsm-tokens");
  ::setenv("SESAME_PKCS11_STATE_DIR", (root / "sesame-state").string().c_str(), 1);
  ::unsetenv("SESAME_PKCS11_CONFIG");
  {
    std::ofstream conf(root / "softhsm2.conf");
    conf << "directories.tokendir = " << (root / "softhsm-tokens").string() << "\n"
         << "objectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n";
  }
  ::setenv("SOFTHSM2_CONF", (root / "softhsm2.conf").string().c_str(), 1);
  try {
    auto t = std::make_unique<Token>();
    t->open(sesame_module_path(), "bench");
    t->provision("bench2");
    g_sesame = std::move(t);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_pkcs11: sesame module %s: %s\n", sesame_module_path().c_str(), e.what());
  }
  try {
    auto t = std::make_unique<Token>();
    t->open(softhsm_module_path(), "bench");
    t->provision("bench2");
    g_softhsm = std::move(t);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_pkcs11: SoftHSM2 %s: %s\n", softhsm_module_path().c_str(), e.what());
  }
  EVP_PKEY_CTX* kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr);
  if (!kctx || EVP_PKEY_keygen_init(kctx) != 1 ||
      EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kctx, NID_X9_62_prime256v1) != 1 ||
      EVP_PKEY_keygen(kctx, &g_ossl_key) != 1)
    throw std::runtime_error("OpenSSL P-256 key generation failed");
  EVP_PKEY_CTX_free(kctx);
}

void reg(const std::string& name, void (*fn)(benchmark::State&), int threads) {
  benchmark::RegisterBenchmark(name.c_str(), fn)->MinTime(0.3)->Threads(threads)->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  setup_tokens();
  namespace bench = sesame::bench;
  const std::string item =
      "One item = one ECDSA P-256 signature of a fixed 32-byte digest, in process: for a PKCS#11 module "
      "C_SignInit(CKM_ECDSA) + C_Sign (raw r||s) in the thread's own session, the module loaded with "
      "dlopen and driven through C_GetFunctionList, the token initialised and the key generated through "
      "PKCS#11 under the bench tmpdir, one setup session kept logged in. `sesame_pkcs11`: "
      "libsesame-pkcs11.so (each signature is a SIGN APDU to the WSCA applet on the module's in-process "
      "card; the applet keeps the unwrapped key in its channel session after the first use, so no "
      "store access per signature; session-policy key, no per-use PIN). `softhsm2`: "
      "Debian's SoftHSM2 2.6 with the file object store, token key. Each module has two tokens with one "
      "key each; on 2 threads each thread signs on its own token (sesame: each token is a wallet unit on "
      "its own in-process card, so the two threads share the module, its session table and the store, "
      "not a card), except `sesame_pkcs11_same_token` (both threads on one token, one card). ";
  const std::string g1 = "pkcs11_ecdsa_p256", g2 = "pkcs11_vs_softhsm2", g3 = "pkcs11_threads";
  bench::describe(g1, item +
                          "Baseline: raw OpenSSL EVP_PKEY_sign on a P-256 key with the thread's EVP_PKEY_CTX "
                          "initialised once (DER output); `openssl` is the same code on 2 threads, the "
                          "reference for what 2 threads can reach on this machine. `openssl_per_call`: raw "
                          "OpenSSL driven the way crypto::ecdsa_sign_digest drives it inside the applet (a "
                          "new EVP_PKEY_CTX, sign_init and a length query per signature, then DER to r||s); "
                          "what sesame_pkcs11 loses beyond it is the APDU, applet and PKCS#11 path.");
  bench::describe(g2, item + "Baseline: SoftHSM2 doing the same (1 and 2 threads).");
  bench::describe(g3, item +
                          "Baseline: sesame_pkcs11 on 1 thread; the variant `sesame_pkcs11` is 2 threads, each "
                          "in its own session on its own token; `sesame_pkcs11_same_token` is 2 threads on "
                          "one token, whose card runs one APDU at a time (card::CardService), ECDSA "
                          "included, so it cannot scale. What 2 threads can reach on this machine at the "
                          "time: `openssl (2 threads)` in pkcs11_ecdsa_p256 (compare sesame_pkcs11 on 2 "
                          "threads with it, and on 1 thread with baseline_openssl).");
  bench::target(g1, "sesame_pkcs11", ">=", 0.8);
  bench::target(g2, "sesame_pkcs11", ">", 1.5);
  bench::target(g3, "sesame_pkcs11", ">", 1.0);

  reg(g1 + "/baseline_openssl", openssl_sign, 1);
  reg(g1 + "/openssl", openssl_sign, 2);
  reg(g1 + "/openssl_per_call", openssl_per_call, 1);
  if (g_sesame) {
    reg(g1 + "/sesame_pkcs11", sesame_sign, 1);
    reg(g1 + "/sesame_pkcs11", sesame_sign, 2);
  }
  if (g_softhsm) {
    reg(g2 + "/baseline_softhsm2", softhsm_sign, 1);
    reg(g2 + "/softhsm2", softhsm_sign, 2);
    if (g_sesame) {
      reg(g2 + "/sesame_pkcs11", sesame_sign, 1);
      reg(g2 + "/sesame_pkcs11", sesame_sign, 2);
    }
  }
  if (g_sesame) {
    // Not "baseline_sesame_pkcs11": the report would take the 2-thread variant's own baseline for the
    // machine's scaling reference, which is the raw-OpenSSL pair in g1.
    reg(g3 + "/baseline_1_thread", sesame_sign, 1);
    reg(g3 + "/sesame_pkcs11", sesame_sign, 2);
    reg(g3 + "/sesame_pkcs11_same_token", sesame_sign_same_token, 2);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_sesame.reset();
  g_softhsm.reset();
  EVP_PKEY_free(g_ossl_key);
  std::error_code ec;
  fs::remove_all(token_root(), ec);
  return 0;
}
