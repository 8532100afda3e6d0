// libsesame-pkcs11.so through dlopen and C_GetFunctionList (docs/WSCA.md, "PKCS#11 module"):
// initialisation, provisioning (C_InitToken / C_InitPIN), login and lockout, key generation on the
// three curves, signing (checked against the public key read back from CKA_EC_POINT), ECDH,
// attributes, object search, secure erasure, unit isolation, threads, and the exported symbols.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "crypto/ec_key.h"
#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "p11_fixture.h"
#include "util/tlv.h"

namespace sesame::pkcs11::testing {
namespace {

const Bytes kP256 = from_hex("06082A8648CE3D030107");
const Bytes kP384 = from_hex("06052B81040022");
const Bytes kBrainpool256 = from_hex("06092B2403030208010107");

class Pkcs11Test : public ::testing::Test, public P11Fixture {
 protected:
  void SetUp() override {
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(f->C_Initialize(nullptr), CKR_OK);
  }

  struct Pair {
    CK_OBJECT_HANDLE pub = 0, priv = 0;
  };
  Pair generate(CK_SESSION_HANDLE h, const Bytes& params, const std::string& label = "key",
                bool always_auth = false, CK_RV expect = CKR_OK) {
    CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    CK_BBOOL yes = CK_TRUE, aa = always_auth ? CK_TRUE : CK_FALSE;
    CK_ATTRIBUTE pub[] = {{CKA_EC_PARAMS, const_cast<std::uint8_t*>(params.data()), params.size()},
                          {CKA_TOKEN, &yes, 1},
                          {CKA_LABEL, const_cast<char*>(label.data()), label.size()}};
    CK_ATTRIBUTE priv[] = {{CKA_TOKEN, &yes, 1}, {CKA_SIGN, &yes, 1}, {CKA_ALWAYS_AUTHENTICATE, &aa, 1}};
    Pair p;
    EXPECT_EQ(f->C_GenerateKeyPair(h, &mech, pub, 3, priv, 3, &p.pub, &p.priv), expect);
    return p;
  }
  Bytes attr(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t, CK_RV expect = CKR_OK) {
    CK_ATTRIBUTE a{t, nullptr, 0};
    EXPECT_EQ(f->C_GetAttributeValue(h, o, &a, 1), expect);
    if (expect != CKR_OK) return {};
    Bytes v(a.ulValueLen);
    a.pValue = v.data();
    EXPECT_EQ(f->C_GetAttributeValue(h, o, &a, 1), CKR_OK);
    return v;
  }
  crypto::EcPublicKey public_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE pub) {
    const Tlv point = parse_one(attr(h, pub, CKA_EC_POINT));  // DER OCTET STRING
    const Tlv oid = parse_one(attr(h, pub, CKA_EC_PARAMS));
    return crypto::EcPublicKey::from_point(*crypto::curve_from_oid_value(oid.value()), point.value());
  }
  CK_RV sign(CK_SESSION_HANDLE h, CK_MECHANISM_TYPE m, CK_OBJECT_HANDLE key, ByteView data, Bytes& sig) {
    CK_MECHANISM mech{m, nullptr, 0};
    CK_RV rv = f->C_SignInit(h, &mech, key);
    if (rv != CKR_OK) return rv;
    CK_ULONG n = 0;
    rv = f->C_Sign(h, const_cast<std::uint8_t*>(data.data()), data.size(), nullptr, &n);
    if (rv != CKR_OK) return rv;
    sig.resize(n);
    rv = f->C_Sign(h, const_cast<std::uint8_t*>(data.data()), data.size(), sig.data(), &n);
    sig.resize(n);
    return rv;
  }
  std::vector<CK_OBJECT_HANDLE> find(CK_SESSION_HANDLE h, std::vector<CK_ATTRIBUTE> tmpl) {
    EXPECT_EQ(f->C_FindObjectsInit(h, tmpl.data(), tmpl.size()), CKR_OK);
    std::vector<CK_OBJECT_HANDLE> out(64);
    CK_ULONG n = 0;
    EXPECT_EQ(f->C_FindObjects(h, out.data(), out.size(), &n), CKR_OK);
    EXPECT_EQ(f->C_FindObjectsFinal(h), CKR_OK);
    out.resize(n);
    return out;
  }
};

TEST_F(Pkcs11Test, InitializeFinalizeAndArguments) {
  EXPECT_EQ(f->C_Initialize(nullptr), CKR_CRYPTOKI_ALREADY_INITIALIZED);
  ASSERT_EQ(f->C_Finalize(nullptr), CKR_OK);
  EXPECT_EQ(f->C_Finalize(nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);
  CK_ULONG n = 0;
  EXPECT_EQ(f->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
  CK_C_INITIALIZE_ARGS args{};
  args.CreateMutex = [](void**) -> CK_RV { return CKR_OK; };
  args.DestroyMutex = [](void*) -> CK_RV { return CKR_OK; };
  args.LockMutex = [](void*) -> CK_RV { return CKR_OK; };
  args.UnlockMutex = [](void*) -> CK_RV { return CKR_OK; };
  EXPECT_EQ(f->C_Initialize(&args), CKR_CANT_LOCK) << "application locks only";
  args.flags = CKF_OS_LOCKING_OK;
  EXPECT_EQ(f->C_Initialize(&args), CKR_OK);
  EXPECT_EQ(f->C_Finalize(nullptr), CKR_OK);
  CK_C_INITIALIZE_ARGS os{};
  os.flags = CKF_OS_LOCKING_OK;
  EXPECT_EQ(f->C_Initialize(&os), CKR_OK);
  CK_INFO info;
  EXPECT_EQ(f->C_GetInfo(&info), CKR_OK);
  EXPECT_EQ(info.cryptokiVersion.major, 2);
  EXPECT_EQ(info.cryptokiVersion.minor, 40);
  EXPECT_EQ(f->C_GetInfo(nullptr), CKR_ARGUMENTS_BAD);
}

TEST_F(Pkcs11Test, TwoThreadsInitializingAtOnceDoNotCrash) {
  ASSERT_EQ(f->C_Finalize(nullptr), CKR_OK);
  std::vector<CK_RV> rv(4);
  std::vector<std::thread> t;
  for (int i = 0; i < 4; ++i) t.emplace_back([&, i] { rv[i] = f->C_Initialize(nullptr); });
  for (auto& th : t) th.join();
  EXPECT_EQ(std::count(rv.begin(), rv.end(), CKR_OK), 1);
  EXPECT_EQ(std::count(rv.begin(), rv.end(), CKR_CRYPTOKI_ALREADY_INITIALIZED), 3);
}

TEST_F(Pkcs11Test, WithoutConfigurationInitializeFails) {
  ASSERT_EQ(f->C_Finalize(nullptr), CKR_OK);
  ::unsetenv("SESAME_PKCS11_STATE_DIR");
  EXPECT_EQ(f->C_Initialize(nullptr), CKR_GENERAL_ERROR);
  const fs::path cfg = dir.string() + ".toml";
  {
    std::FILE* out = std::fopen(cfg.c_str(), "w");
    std::fprintf(out, "state_dir = \"%s\"\ncard = \"other\"\n", dir.c_str());
    std::fclose(out);
  }
  ::setenv("SESAME_PKCS11_CONFIG", cfg.c_str(), 1);
  EXPECT_EQ(f->C_Initialize(nullptr), CKR_OK);
  EXPECT_EQ(slots().size(), 1u);
  fs::remove(cfg);
}

TEST_F(Pkcs11Test, SlotsTokensAndMechanisms) {
  EXPECT_EQ(slots(), std::vector<CK_SLOT_ID>{0});
  CK_TOKEN_INFO ti;
  ASSERT_EQ(f->C_GetTokenInfo(0, &ti), CKR_OK);
  EXPECT_EQ(ti.flags & CKF_TOKEN_INITIALIZED, 0u);
  const CK_SLOT_ID s = provision("alice");
  EXPECT_EQ(slots(), (std::vector<CK_SLOT_ID>{s, 0}));
  ASSERT_EQ(f->C_GetTokenInfo(s, &ti), CKR_OK);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(ti.label), 5), "alice");
  EXPECT_NE(ti.flags & CKF_TOKEN_INITIALIZED, 0u);
  EXPECT_NE(ti.flags & CKF_USER_PIN_INITIALIZED, 0u);
  EXPECT_NE(ti.flags & CKF_LOGIN_REQUIRED, 0u);
  EXPECT_EQ(ti.ulMinPinLen, 6u);
  EXPECT_EQ(f->C_GetTokenInfo(99, &ti), CKR_SLOT_ID_INVALID);
  CK_ULONG n = 0;
  ASSERT_EQ(f->C_GetMechanismList(s, nullptr, &n), CKR_OK);
  std::vector<CK_MECHANISM_TYPE> mechs(n);
  ASSERT_EQ(f->C_GetMechanismList(s, mechs.data(), &n), CKR_OK);
  EXPECT_EQ(std::set<CK_MECHANISM_TYPE>(mechs.begin(), mechs.end()),
            (std::set<CK_MECHANISM_TYPE>{CKM_EC_KEY_PAIR_GEN, CKM_ECDSA, CKM_ECDSA_SHA256, CKM_ECDSA_SHA384,
                                         CKM_ECDH1_DERIVE}));
  CK_MECHANISM_INFO mi;
  ASSERT_EQ(f->C_GetMechanismInfo(s, CKM_ECDSA, &mi), CKR_OK);
  EXPECT_NE(mi.flags & CKF_SIGN, 0u);
  ASSERT_EQ(f->C_GetMechanismInfo(s, CKM_ECDH1_DERIVE, &mi), CKR_OK);
  EXPECT_NE(mi.flags & CKF_DERIVE, 0u);
  EXPECT_EQ(f->C_GetMechanismInfo(s, CKM_RSA_PKCS, &mi), CKR_MECHANISM_INVALID);
}

TEST_F(Pkcs11Test, GenerateAndSignOnEveryCurveWithEveryMechanism) {
  const CK_SLOT_ID s = provision("alice");
  const CK_SESSION_HANDLE h = open(s);
  EXPECT_EQ(generate(h, kP256, "x", false, CKR_USER_NOT_LOGGED_IN).priv, 0u);
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  const Bytes msg = crypto::random_bytes(100);
  for (const Bytes* params : {&kP256, &kP384, &kBrainpool256}) {
    SCOPED_TRACE(to_hex(*params));
    const Pair p = generate(h, *params);
    const auto pub = public_key(h, p.pub);
    Bytes sig;
    ASSERT_EQ(sign(h, CKM_ECDSA, p.priv, crypto::sha256(msg), sig), CKR_OK);
    EXPECT_TRUE(crypto::ecdsa_verify_digest(pub, crypto::sha256(msg), sig, crypto::EcdsaFormat::raw));
    ASSERT_EQ(sign(h, CKM_ECDSA_SHA256, p.priv, msg, sig), CKR_OK);
    EXPECT_TRUE(crypto::ecdsa_verify(pub, crypto::HashAlg::sha256, msg, sig, crypto::EcdsaFormat::raw));
    ASSERT_EQ(sign(h, CKM_ECDSA_SHA384, p.priv, msg, sig), CKR_OK);
    EXPECT_TRUE(crypto::ecdsa_verify(pub, crypto::HashAlg::sha384, msg, sig, crypto::EcdsaFormat::raw));
    EXPECT_FALSE(crypto::ecdsa_verify(pub, crypto::HashAlg::sha256, msg, sig, crypto::EcdsaFormat::raw));
    // Multi-part.
    CK_MECHANISM mech{CKM_ECDSA_SHA256, nullptr, 0};
    ASSERT_EQ(f->C_SignInit(h, &mech, p.priv), CKR_OK);
    ASSERT_EQ(f->C_SignUpdate(h, const_cast<std::uint8_t*>(msg.data()), 40), CKR_OK);
    ASSERT_EQ(f->C_SignUpdate(h, const_cast<std::uint8_t*>(msg.data()) + 40, 60), CKR_OK);
    Bytes out(200);
    CK_ULONG n = 1;
    EXPECT_EQ(f->C_SignFinal(h, out.data(), &n), CKR_BUFFER_TOO_SMALL);
    n = out.size();
    ASSERT_EQ(f->C_SignFinal(h, out.data(), &n), CKR_OK);
    out.resize(n);
    EXPECT_TRUE(crypto::ecdsa_verify(pub, crypto::HashAlg::sha256, msg, out, crypto::EcdsaFormat::raw));
  }
  CK_MECHANISM bad{CKM_RSA_PKCS, nullptr, 0};
  EXPECT_EQ(f->C_SignInit(h, &bad, generate(h, kP256).priv), CKR_MECHANISM_INVALID);
  const Bytes p521 = from_hex("06052B81040023");
  generate(h, p521, "x", false, CKR_CURVE_NOT_SUPPORTED);
}

TEST_F(Pkcs11Test, AttributesSayNotExportable) {
  const CK_SLOT_ID s = provision("alice");
  const CK_SESSION_HANDLE h = open(s);
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  const Pair p = generate(h, kP256, "signing key");
  const Pair a = generate(h, kP384, "always", true);
  EXPECT_EQ(attr(h, p.priv, CKA_SENSITIVE), Bytes{CK_TRUE});
  EXPECT_EQ(attr(h, p.priv, CKA_EXTRACTABLE), Bytes{CK_FALSE});
  EXPECT_EQ(attr(h, p.priv, CKA_NEVER_EXTRACTABLE), Bytes{CK_TRUE});
  EXPECT_EQ(attr(h, p.priv, CKA_ALWAYS_AUTHENTICATE), Bytes{CK_FALSE});
  EXPECT_EQ(attr(h, a.priv, CKA_ALWAYS_AUTHENTICATE), Bytes{CK_TRUE});
  EXPECT_EQ(attr(h, p.priv, CKA_LABEL),
            Bytes(as_bytes("signing key").begin(), as_bytes("signing key").end()));
  EXPECT_EQ(attr(h, p.priv, CKA_ID), attr(h, p.pub, CKA_ID));
  EXPECT_EQ(attr(h, p.priv, CKA_ID).size(), 4u);
  EXPECT_EQ(attr(h, p.pub, CKA_EC_PARAMS), kP256);
  EXPECT_EQ(attr(h, a.priv, CKA_EC_PARAMS), kP384);
  EXPECT_EQ(attr(h, p.pub, CKA_EC_POINT).size(), 67u) << "04 41 04||X||Y";
  attr(h, p.priv, CKA_VALUE, CKR_ATTRIBUTE_SENSITIVE);
  attr(h, p.pub, CKA_MODULUS, CKR_ATTRIBUTE_TYPE_INVALID);
  std::uint8_t small[2];
  CK_ATTRIBUTE t{CKA_EC_POINT, small, sizeof small};
  EXPECT_EQ(f->C_GetAttributeValue(h, p.pub, &t, 1), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(t.ulValueLen, CK_UNAVAILABLE_INFORMATION);
  // Extractable or non-sensitive private keys are refused.
  CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_BBOOL yes = CK_TRUE;
  CK_ATTRIBUTE pub[] = {{CKA_EC_PARAMS, const_cast<std::uint8_t*>(kP256.data()), kP256.size()}};
  CK_ATTRIBUTE priv[] = {{CKA_EXTRACTABLE, &yes, 1}};
  CK_OBJECT_HANDLE x, y;
  EXPECT_EQ(f->C_GenerateKeyPair(h, &mech, pub, 1, priv, 1, &x, &y), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST_F(Pkcs11Test, PrivateObjectsOnlyAfterLoginAndFindByTemplate) {
  const CK_SLOT_ID s = provision("alice");
  const CK_SESSION_HANDLE h = open(s);
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  const Pair p1 = generate(h, kP256, "one");
  const Pair p2 = generate(h, kP384, "two");
  EXPECT_EQ(find(h, {}).size(), 4u);
  CK_OBJECT_CLASS priv = CKO_PRIVATE_KEY;
  EXPECT_EQ(find(h, {{CKA_CLASS, &priv, sizeof priv}}), (std::vector<CK_OBJECT_HANDLE>{p1.priv, p2.priv}));
  EXPECT_EQ(find(h, {{CKA_LABEL, const_cast<char*>("two"), 3}, {CKA_CLASS, &priv, sizeof priv}}),
            std::vector<CK_OBJECT_HANDLE>{p2.priv});
  ASSERT_EQ(f->C_Logout(h), CKR_OK);
  EXPECT_EQ(find(h, {}), (std::vector<CK_OBJECT_HANDLE>{p1.pub, p2.pub})) << "public keys only";
  attr(h, p1.priv, CKA_LABEL, CKR_OBJECT_HANDLE_INVALID);
  Bytes sig;
  EXPECT_EQ(sign(h, CKM_ECDSA, p1.priv, Bytes(32, 1), sig), CKR_USER_NOT_LOGGED_IN);
}

TEST_F(Pkcs11Test, WrongPinsLockAndTheSoUnblocksWithThePuk) {
  const CK_SLOT_ID s = provision("alice");
  const CK_SESSION_HANDLE h = open(s);
  EXPECT_EQ(login(h, "12345"), CKR_PIN_LEN_RANGE);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(login(h, "999999"), CKR_PIN_INCORRECT);
  CK_TOKEN_INFO ti;
  ASSERT_EQ(f->C_GetTokenInfo(s, &ti), CKR_OK);
  EXPECT_NE(ti.flags & CKF_USER_PIN_FINAL_TRY, 0u);
  EXPECT_EQ(login(h, "999999"), CKR_PIN_INCORRECT);
  EXPECT_EQ(login(h, "123456"), CKR_PIN_LOCKED);
  ASSERT_EQ(f->C_GetTokenInfo(s, &ti), CKR_OK);
  EXPECT_NE(ti.flags & CKF_USER_PIN_LOCKED, 0u);
  ASSERT_EQ(login(h, "87654321", CKU_SO), CKR_OK);
  const std::string pin = "246802";
  EXPECT_EQ(f->C_InitPIN(h, reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.data())), pin.size()),
            CKR_PIN_INCORRECT)
      << "wrong PUK";
  ASSERT_EQ(f->C_Logout(h), CKR_OK);
  ASSERT_EQ(login(h, "12345678", CKU_SO), CKR_OK);
  ASSERT_EQ(f->C_InitPIN(h, reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.data())), pin.size()),
            CKR_OK);
  ASSERT_EQ(f->C_Logout(h), CKR_OK);
  EXPECT_EQ(login(h, "246802"), CKR_OK);
}

TEST_F(Pkcs11Test, AlwaysAuthenticateKeysNeedAContextSpecificLogin) {
  const CK_SLOT_ID s = provision("alice");
  const CK_SESSION_HANDLE h = open(s);
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  const Pair a = generate(h, kP256, "always", true);
  Bytes sig;
  ASSERT_EQ(login(h, "123456", CKU_CONTEXT_SPECIFIC), CKR_OK);
  EXPECT_EQ(sign(h, CKM_ECDSA, a.priv, Bytes(32, 1), sig), CKR_OK);
  EXPECT_EQ(sign(h, CKM_ECDSA, a.priv, Bytes(32, 1), sig), CKR_USER_NOT_LOGGED_IN);
  ASSERT_EQ(login(h, "123456", CKU_CONTEXT_SPECIFIC), CKR_OK);
  EXPECT_EQ(sign(h, CKM_ECDSA, a.priv, Bytes(32, 1), sig), CKR_OK);
}

TEST_F(Pkcs11Test, EcdhDeriveAgreesWithThePeer) {
  const CK_SLOT_ID s = provision("alice");
  const CK_SESSION_HANDLE h = open(s);
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  const Pair p = generate(h, kBrainpool256);
  const auto peer = crypto::EcPrivateKey::generate(crypto::Curve::brainpool_p256r1);
  Bytes point = peer.public_key().to_uncompressed_point();
  CK_ECDH1_DERIVE_PARAMS params{CKD_NULL, 0, nullptr, point.size(), point.data()};
  CK_MECHANISM mech{CKM_ECDH1_DERIVE, &params, sizeof params};
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
  CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &kt, sizeof kt}};
  CK_OBJECT_HANDLE secret = 0;
  ASSERT_EQ(f->C_DeriveKey(h, &mech, p.priv, tmpl, 2, &secret), CKR_OK);
  EXPECT_EQ(attr(h, secret, CKA_VALUE), crypto::ecdh(peer, public_key(h, p.pub)).reveal());
  const Bytes wrapped = tlv_encode(0x04, point);  // the DER OCTET STRING form
  CK_ECDH1_DERIVE_PARAMS params2{CKD_NULL, 0, nullptr, wrapped.size(),
                                 const_cast<std::uint8_t*>(wrapped.data())};
  mech.pParameter = &params2;
  CK_OBJECT_HANDLE secret2 = 0;
  ASSERT_EQ(f->C_DeriveKey(h, &mech, p.priv, tmpl, 2, &secret2), CKR_OK);
  EXPECT_EQ(attr(h, secret2, CKA_VALUE), attr(h, secret, CKA_VALUE));
  EXPECT_EQ(f->C_DestroyObject(h, secret2), CKR_OK);
  attr(h, secret2, CKA_VALUE, CKR_OBJECT_HANDLE_INVALID);
  CK_ECDH1_DERIVE_PARAMS kdf{CKD_SHA256_KDF, 0, nullptr, point.size(), point.data()};
  mech.pParameter = &kdf;
  EXPECT_EQ(f->C_DeriveKey(h, &mech, p.priv, tmpl, 2, &secret2), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(Pkcs11Test, DestroyObjectErasesTheKey) {
  const CK_SLOT_ID s = provision("alice");
  const CK_SESSION_HANDLE h = open(s);
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  const Pair p = generate(h, kP256);
  const Pair keep = generate(h, kP256);
  EXPECT_EQ(f->C_DestroyObject(h, p.priv), CKR_OK);
  EXPECT_EQ(find(h, {}), (std::vector<CK_OBJECT_HANDLE>{keep.priv, keep.pub}));
  Bytes sig;
  EXPECT_EQ(sign(h, CKM_ECDSA, p.priv, Bytes(32, 1), sig), CKR_KEY_HANDLE_INVALID);
  EXPECT_EQ(f->C_DestroyObject(h, p.pub), CKR_OBJECT_HANDLE_INVALID);
  // After a restart of the module the key is still gone and the other one still signs.
  ASSERT_EQ(f->C_Finalize(nullptr), CKR_OK);
  ASSERT_EQ(f->C_Initialize(nullptr), CKR_OK);
  const CK_SESSION_HANDLE h2 = open(s);
  ASSERT_EQ(login(h2, "123456"), CKR_OK);
  EXPECT_EQ(find(h2, {}).size(), 2u);
  EXPECT_EQ(sign(h2, CKM_ECDSA, keep.priv, Bytes(32, 1), sig), CKR_OK);
}

// WIAM_09 through PKCS#11: a session of one unit cannot reach another unit's objects.
TEST_F(Pkcs11Test, TokensAreIsolated) {
  const CK_SLOT_ID a = provision("alice");
  const CK_SLOT_ID b = provision("bob", "654321", "87654321");
  const CK_SESSION_HANDLE ha = open(a), hb = open(b);
  ASSERT_EQ(login(ha, "123456"), CKR_OK);
  ASSERT_EQ(login(hb, "654321"), CKR_OK);
  const Pair pa = generate(ha, kP256);
  const Pair pb = generate(hb, kP256);
  EXPECT_EQ(attr(ha, pa.priv, CKA_ID), attr(hb, pb.priv, CKA_ID)) << "same key id in both units";
  EXPECT_NE(pa.priv, pb.priv);
  Bytes sig;
  EXPECT_EQ(sign(hb, CKM_ECDSA, pa.priv, Bytes(32, 1), sig), CKR_KEY_HANDLE_INVALID);
  attr(hb, pa.pub, CKA_EC_POINT, CKR_OBJECT_HANDLE_INVALID);
  EXPECT_EQ(f->C_DestroyObject(hb, pa.priv), CKR_OBJECT_HANDLE_INVALID);
  EXPECT_EQ(find(hb, {}), (std::vector<CK_OBJECT_HANDLE>{pb.priv, pb.pub}));
  ASSERT_EQ(sign(hb, CKM_ECDSA, pb.priv, Bytes(32, 1), sig), CKR_OK);
  EXPECT_TRUE(
      crypto::ecdsa_verify_digest(public_key(hb, pb.pub), Bytes(32, 1), sig, crypto::EcdsaFormat::raw));
  EXPECT_FALSE(
      crypto::ecdsa_verify_digest(public_key(ha, pa.pub), Bytes(32, 1), sig, crypto::EcdsaFormat::raw));
}

TEST_F(Pkcs11Test, SessionsAndBadHandles) {
  const CK_SLOT_ID s = provision("alice");
  EXPECT_EQ(f->C_CloseSession(12345), CKR_SESSION_HANDLE_INVALID);
  CK_SESSION_HANDLE h;
  EXPECT_EQ(f->C_OpenSession(s, 0, nullptr, nullptr, &h), CKR_SESSION_PARALLEL_NOT_SUPPORTED);
  EXPECT_EQ(f->C_OpenSession(77, CKF_SERIAL_SESSION, nullptr, nullptr, &h), CKR_SLOT_ID_INVALID);
  const CK_SESSION_HANDLE ro = open(s, false);
  ASSERT_EQ(login(ro, "123456"), CKR_OK);
  EXPECT_EQ(login(ro, "123456"), CKR_USER_ALREADY_LOGGED_IN);
  CK_SESSION_INFO si;
  ASSERT_EQ(f->C_GetSessionInfo(ro, &si), CKR_OK);
  EXPECT_EQ(si.state, CKS_RO_USER_FUNCTIONS);
  generate(ro, kP256, "x", false, CKR_SESSION_READ_ONLY);
  EXPECT_EQ(f->C_Login(ro, 7, nullptr, 0), CKR_USER_TYPE_INVALID);
  EXPECT_EQ(f->C_CloseAllSessions(s), CKR_OK);
  EXPECT_EQ(f->C_GetSessionInfo(ro, &si), CKR_SESSION_HANDLE_INVALID);
  const CK_SESSION_HANDLE h2 = open(s);
  ASSERT_EQ(f->C_GetSessionInfo(h2, &si), CKR_OK);
  EXPECT_EQ(si.state, CKS_RW_PUBLIC_SESSION) << "closing every session logged the token out";
  EXPECT_EQ(f->C_Encrypt(h2, nullptr, 0, nullptr, nullptr), CKR_FUNCTION_NOT_SUPPORTED);
  std::uint8_t rnd[16] = {};
  EXPECT_EQ(f->C_GenerateRandom(h2, rnd, sizeof rnd), CKR_OK);
}

// Two threads, each with its own session, sign at once: every signature verifies.
TEST_F(Pkcs11Test, ConcurrentSigning) {
  const CK_SLOT_ID s = provision("alice");
  const CK_SESSION_HANDLE h = open(s);
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  const Pair p = generate(h, kP256);
  const auto pub = public_key(h, p.pub);
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&] {
      const CK_SESSION_HANDLE mine = open(s);
      for (int i = 0; i < 25; ++i) {
        const Bytes digest = crypto::random_bytes(32);
        Bytes sig;
        if (sign(mine, CKM_ECDSA, p.priv, digest, sig) == CKR_OK &&
            crypto::ecdsa_verify_digest(pub, digest, sig, crypto::EcdsaFormat::raw))
          ++good;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 50);
}

// Each token is a unit on a card of its own (docs/WSCA.md, "Slots and tokens"), so two tokens sign
// in parallel; their keys survive C_Finalize / C_Initialize (the token files name slot and unit).
TEST_F(Pkcs11Test, TwoTokensSignConcurrentlyAndPersist) {
  const CK_SLOT_ID a = provision("alice");
  const CK_SLOT_ID b = provision("bob", "654321", "87654321");
  ASSERT_NE(a, b);
  struct Tok {
    CK_SLOT_ID slot;
    std::string pin;
    Pair pair;
    std::optional<crypto::EcPublicKey> pub;
  };
  std::vector<Tok> toks = {{a, "123456", {}, {}}, {b, "654321", {}, {}}};
  for (auto& t : toks) {
    const CK_SESSION_HANDLE h = open(t.slot);
    ASSERT_EQ(login(h, t.pin), CKR_OK);
    t.pair = generate(h, kP256);
    t.pub = public_key(h, t.pair.pub);
  }
  EXPECT_NE(toks[0].pair.priv, toks[1].pair.priv) << "handles name the token (both keys have id 1)";
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (const auto& t : toks)
    threads.emplace_back([&, t] {
      const CK_SESSION_HANDLE mine = open(t.slot);
      for (int i = 0; i < 25; ++i) {
        const Bytes digest = crypto::random_bytes(32);
        Bytes sig;
        if (sign(mine, CKM_ECDSA, t.pair.priv, digest, sig) == CKR_OK &&
            crypto::ecdsa_verify_digest(*t.pub, digest, sig, crypto::EcdsaFormat::raw))
          ++good;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 50);
  // The other token's key handle is not valid in this token's session.
  Bytes sig;
  const CK_SESSION_HANDLE ha = open(a);
  EXPECT_EQ(sign(ha, CKM_ECDSA, toks[1].pair.priv, crypto::random_bytes(32), sig), CKR_KEY_HANDLE_INVALID);

  ASSERT_EQ(f->C_Finalize(nullptr), CKR_OK);
  ASSERT_EQ(f->C_Initialize(nullptr), CKR_OK);
  const auto ids = slots();
  EXPECT_EQ(std::count(ids.begin(), ids.end(), a), 1);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), b), 1);
  for (const auto& t : toks) {
    const CK_SESSION_HANDLE h = open(t.slot);
    ASSERT_EQ(login(h, t.pin), CKR_OK);
    const Bytes digest = crypto::random_bytes(32);
    ASSERT_EQ(sign(h, CKM_ECDSA, t.pair.priv, digest, sig), CKR_OK);
    EXPECT_TRUE(crypto::ecdsa_verify_digest(*t.pub, digest, sig, crypto::EcdsaFormat::raw));
  }
}

// The module exports exactly its C_* functions (STYLE.md; OpenSC's module does the same).
TEST(Pkcs11Exports, OnlyCFunctions) {
  const std::string cmd = "nm -D --defined-only '" + module_path() + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
  ASSERT_NE(p, nullptr);
  char line[512];
  int c_functions = 0;
  while (std::fgets(line, sizeof line, p.get())) {
    std::string name(line);
    name = name.substr(name.find_last_of(' ') + 1);
    name.pop_back();
    if (name.starts_with("C_"))
      ++c_functions;
    else
      ADD_FAILURE() << "exported: " << name;
  }
  EXPECT_EQ(c_functions, 68);
}

}  // namespace
}  // namespace sesame::pkcs11::testing
