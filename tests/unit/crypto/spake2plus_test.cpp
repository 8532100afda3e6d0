// SPAKE2+ (RFC 9383) and scrypt (RFC 7914).
#include "crypto/spake2plus.h"

#include <gtest/gtest.h>

#include <string>

#include "../common/expect_errc.h"
#include "crypto/ec_point.h"
#include "crypto/scrypt.h"
#include "hex_expect.h"
#include "util/error.h"
#include "util/hex.h"

// The expression must throw sesame::Error with exactly this code.
#define EXPECT_ERRC(expr, code) ::sesame::test::expect_errc(code, [&] { (void)(expr); })

namespace sesame::crypto::spake2plus {
namespace {

Bytes text(std::string_view s) {
  return Bytes(s.begin(), s.end());
}
SecureBytes secret_hex(std::string_view h) {
  return SecureBytes(ByteView(from_hex(h)));
}

// RFC 9383, Appendix C, "SPAKE2+-P256-SHA256-HKDF-SHA256-HMAC-SHA256 Test Vectors". The same values
// appear in the Matter specification's SPAKE2+ test and in other independent implementations.
struct Rfc9383Vector {
  Context ctx{text("SPAKE2+-P256-SHA256-HKDF-SHA256-HMAC-SHA256 Test Vectors"), text("client"),
              text("server")};
  std::string w0 = "bb8e1bbcf3c48f62c08db243652ae55d3e5586053fca77102994f23ad95491b3";
  std::string w1 = "7e945f34d78785b8a3ef44d0df5a1a97d6b3b460409a345ca7830387a74b1dba";
  std::string l =
      "04eb7c9db3d9a9eb1f8adab81b5794c1f13ae3e225efbe91ea487425854c7fc00f00bfedcbd09b2400142d40a14f2064ef31df"
      "aa903b91"
      "d1faea7093d835966efd";
  std::string x = "d1232c8e8693d02368976c174e2088851b8365d0d79a9eee709c6a05a2fad539";
  std::string share_p =
      "04ef3bd051bf78a2234ec0df197f7828060fe9856503579bb1733009042c15c0c1de127727f418b5966afadfdd95a6e4591d17"
      "1056b333"
      "dab97a79c7193e341727";
  std::string y = "717a72348a182085109c8d3917d6c43d59b224dc6a7fc4f0483232fa6516d8b3";
  std::string share_v =
      "04c0f65da0d11927bdf5d560c69e1d7d939a05b0e88291887d679fcadea75810fb5cc1ca7494db39e82ff2f50665255d76173e"
      "09986ab4"
      "6742c798a9a68437b048";
  std::string z =
      "04bbfce7dd7f277819c8da21544afb7964705569bdf12fb92aa388059408d50091a0c5f1d3127f56813b5337f9e4e67e2ca633"
      "117a4fbd"
      "559946ab474356c41839";
  std::string v =
      "0458bf27c6bca011c9ce1930e8984a797a3419797b936629a5a937cf2f11c8b9514b82b993da8a46e664f23db7c01edc87faa5"
      "30db01c2"
      "ee405230b18997f16b68";
  std::string k_main = "4c59e1ccf2cfb961aa31bd9434478a1089b56cd11542f53d3576fb6c2a438a29";
  std::string k_confirm_p = "871ae3f7b78445e34438fb284504240239031c39d80ac23eb5ab9be5ad6db58a";
  std::string k_confirm_v = "ccd53c7c1fa37b64a462b40db8be101cedcf838950162902054e644b400f1680";
  std::string confirm_p = "926cc713504b9b4d76c9162ded04b5493e89109f6d89462cd33adc46fda27527";
  std::string confirm_v = "9747bcc4f8fe9f63defee53ac9b07876d907d55047e6ff2def2e7529089d3e68";
  std::string k_shared = "0c5f8ccd1413423a54f6c1fb26ff01534a87f893779c6e68666d772bfd91f3e7";

  ProverSecret secret() const { return ProverSecret{secret_hex(w0), secret_hex(w1)}; }
  VerifierRecord record() const { return VerifierRecord{secret_hex(w0), from_hex(l)}; }
};

TEST(Spake2PlusTest, Rfc9383AppendixCEveryStep) {
  const Rfc9383Vector t;
  EXPECT_HEX(make_verifier_record(t.secret()).l, t.l);
  const Bytes share_p = compute_share_p(from_hex(t.x), from_hex(t.w0));
  const Bytes share_v = compute_share_v(from_hex(t.y), from_hex(t.w0));
  EXPECT_HEX(share_p, t.share_p);
  EXPECT_HEX(share_v, t.share_v);

  const SharedPoints prover = prover_points(from_hex(t.x), t.secret(), share_v);
  const SharedPoints verifier = verifier_points(from_hex(t.y), t.record(), share_p);
  EXPECT_HEX(prover.z, t.z);
  EXPECT_HEX(prover.v, t.v);
  EXPECT_HEX(verifier.z, t.z);
  EXPECT_HEX(verifier.v, t.v);

  const SecureBytes tt = transcript(t.ctx, share_p, share_v, prover, from_hex(t.w0));
  const KeySchedule ks = key_schedule(tt.view(), share_p, share_v);
  EXPECT_HEX(ks.k_main, t.k_main);
  EXPECT_HEX(ks.k_confirm_p, t.k_confirm_p);
  EXPECT_HEX(ks.k_confirm_v, t.k_confirm_v);
  EXPECT_HEX(ks.confirm_p, t.confirm_p);
  EXPECT_HEX(ks.confirm_v, t.confirm_v);
  EXPECT_HEX(ks.k_shared, t.k_shared);
}

TEST(Spake2PlusTest, Rfc9383AppendixCThroughBothRoles) {
  const Rfc9383Vector t;
  Prover prover = Prover::with_scalar(t.ctx, t.secret(), secret_hex(t.x));
  Verifier verifier = Verifier::with_scalar(t.ctx, t.record(), secret_hex(t.y));
  EXPECT_HEX(prover.share(), t.share_p);
  const Verifier::Response r = verifier.respond(prover.share());
  EXPECT_HEX(r.share_v, t.share_v);
  EXPECT_HEX(r.confirm_v, t.confirm_v);
  const Prover::Result p = prover.finish(r.share_v, r.confirm_v);
  EXPECT_HEX(p.confirm_p, t.confirm_p);
  EXPECT_HEX(p.k_shared, t.k_shared);
  EXPECT_HEX(verifier.finish(p.confirm_p), t.k_shared);
}

// RFC 7914 section 12, the third vector; the openssl CLI (`openssl kdf SCRYPT`) gives the same.
TEST(Spake2PlusTest, ScryptRfc7914Vector) {
  const SecureBytes dk = scrypt(text("password"), text("NaCl"), ScryptParams{1024, 8, 16}, 64);
  EXPECT_HEX(dk,
             "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830d"
             "ac727afb9"
             "4a83ee6d8360cbdfa2cc0640");
  EXPECT_ERRC(scrypt(text("pw"), text("salt"), ScryptParams{1000, 8, 1}, 32), Errc::invalid_argument);
}

const ScryptParams kFastScrypt{1024, 8, 1};  // tests only: the default costs 32 MiB per derivation
const Context kCtx{text("sesame keyring activation v1"), text("holder-terminal"), text("keyring.example")};
const Bytes kSalt = from_hex("000102030405060708090a0b0c0d0e0f");

ProverSecret secret_of(std::string_view code) {
  return prover_secret_from_pbkdf_output(stretch_password(text(code), kSalt, kCtx, kFastScrypt).view());
}

TEST(Spake2PlusTest, RegisteredCodeActivates) {
  Prover prover(kCtx, secret_of("4711-0815-2342"));
  Verifier verifier(kCtx, make_verifier_record(secret_of("4711-0815-2342")));
  const auto r = verifier.respond(prover.share());
  const auto p = prover.finish(r.share_v, r.confirm_v);
  EXPECT_EQ(verifier.finish(p.confirm_p), p.k_shared);
  EXPECT_EQ(p.k_shared.size(), 32u);
}

TEST(Spake2PlusTest, DefaultScryptParametersWork) {
  const SecureBytes a = stretch_password(text("4711"), kSalt, kCtx);
  EXPECT_EQ(a.size(), 2 * kPbkdfHalfSize);
  EXPECT_NE(a, stretch_password(text("4712"), kSalt, kCtx));
}

TEST(Spake2PlusTest, WrongCodeFailsOnBothSides) {
  const ProverSecret wrong = secret_of("4711-0815-2343");
  const VerifierRecord record = make_verifier_record(secret_of("4711-0815-2342"));
  // The prover refuses the verifier's confirmation.
  Prover prover(kCtx, wrong);
  Verifier verifier(kCtx, record);
  const auto r = verifier.respond(prover.share());
  EXPECT_ERRC(prover.finish(r.share_v, r.confirm_v), Errc::crypto);

  // A prover that sends its confirmation anyway (computed with the wrong code) is refused too.
  const SecureBytes x = secret_hex("d1232c8e8693d02368976c174e2088851b8365d0d79a9eee709c6a05a2fad539");
  Verifier verifier2(kCtx, record);
  const Bytes share_p = compute_share_p(x.view(), wrong.w0.view());
  const auto r2 = verifier2.respond(share_p);
  const SharedPoints pts = prover_points(x.view(), wrong, r2.share_v);
  const KeySchedule ks =
      key_schedule(transcript(kCtx, share_p, r2.share_v, pts, wrong.w0.view()).view(), share_p, r2.share_v);
  EXPECT_ERRC(verifier2.finish(ks.confirm_p), Errc::crypto);
  EXPECT_ERRC(verifier2.finish(ks.confirm_p), Errc::state);  // the run is dead
}

TEST(Spake2PlusTest, TamperedSharesAreRefused) {
  const ProverSecret secret = secret_of("code");
  const VerifierRecord record = make_verifier_record(secret);
  {  // shareP replaced by another valid point: the confirmations no longer match.
    Prover prover(kCtx, secret);
    Verifier verifier(kCtx, record);
    Bytes other = EcPoint::generator(Curve::p256).to_uncompressed();
    const auto r = verifier.respond(other);
    EXPECT_ERRC(prover.finish(r.share_v, r.confirm_v), Errc::crypto);
  }
  {  // shareV altered in transit.
    Prover prover(kCtx, secret);
    Verifier verifier(kCtx, record);
    const auto r = verifier.respond(prover.share());
    Bytes share_v =
        EcPoint::from_encoded(Curve::p256, r.share_v).add(EcPoint::generator(Curve::p256)).to_uncompressed();
    EXPECT_ERRC(prover.finish(share_v, r.confirm_v), Errc::crypto);
  }
  {  // confirmV altered in transit.
    Prover prover(kCtx, secret);
    Verifier verifier(kCtx, record);
    auto r = verifier.respond(prover.share());
    r.confirm_v[0] ^= 1;
    EXPECT_ERRC(prover.finish(r.share_v, r.confirm_v), Errc::crypto);
  }
}

TEST(Spake2PlusTest, InvalidPointsAreRefused) {
  const ProverSecret secret = secret_of("code");
  const VerifierRecord record = make_verifier_record(secret);
  Prover prover(kCtx, secret);
  Bytes off_curve = prover.share();
  off_curve[64] ^= 1;  // y no longer matches x
  EXPECT_ERRC(Verifier(kCtx, record).respond(off_curve), Errc::crypto);
  // Compressed, truncated and identity encodings.
  EXPECT_ERRC(
      Verifier(kCtx, record).respond(EcPoint::from_encoded(Curve::p256, prover.share()).to_compressed()),
      Errc::crypto);
  EXPECT_ERRC(Verifier(kCtx, record).respond(Bytes(prover.share().begin(), prover.share().end() - 1)),
              Errc::crypto);
  EXPECT_ERRC(Verifier(kCtx, record).respond(Bytes{0x00}), Errc::crypto);
  // shareP = w0·M cancels the mask: shareP - w0·M is the identity.
  const Bytes cancel =
      EcPoint::from_encoded(Curve::p256,
                            from_hex("02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f"))
          .multiply(secret.w0.view())
          .to_uncompressed();
  EXPECT_ERRC(Verifier(kCtx, record).respond(cancel), Errc::crypto);
}

// A recorded run replayed against a new verifier run: the verifier's fresh y changes every key, so
// the old confirmP is refused and the replayer learns nothing it could use.
TEST(Spake2PlusTest, ReplayedRunIsRefused) {
  const ProverSecret secret = secret_of("code");
  const VerifierRecord record = make_verifier_record(secret);
  Prover prover(kCtx, secret);
  Verifier verifier(kCtx, record);
  const Bytes share_p = prover.share();
  const auto r = verifier.respond(share_p);
  const auto p = prover.finish(r.share_v, r.confirm_v);
  EXPECT_EQ(verifier.finish(p.confirm_p), p.k_shared);

  Verifier again(kCtx, record);
  const auto r2 = again.respond(share_p);
  EXPECT_NE(r2.share_v, r.share_v);
  EXPECT_ERRC(again.finish(p.confirm_p), Errc::crypto);
  // And a replayed verifier response against a new prover run.
  Prover prover2(kCtx, secret);
  EXPECT_ERRC(prover2.finish(r.share_v, r.confirm_v), Errc::crypto);
}

TEST(Spake2PlusTest, OutOfOrderAndBadScalars) {
  const ProverSecret secret = secret_of("code");
  Verifier verifier(kCtx, make_verifier_record(secret));
  EXPECT_ERRC(verifier.finish(Bytes(32, 0)), Errc::state);
  // w0s = n (the group order, zero-padded to 40 bytes) reduces to zero and is refused.
  Bytes out(80, 0x11);
  const Bytes n = from_hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  std::copy(n.begin(), n.end(), out.begin() + 8);
  std::fill(out.begin(), out.begin() + 8, 0);
  EXPECT_ERRC(prover_secret_from_pbkdf_output(out), Errc::crypto);
  EXPECT_ERRC(prover_secret_from_pbkdf_output(Bytes(79, 1)), Errc::invalid_argument);
  EXPECT_ERRC(stretch_password(text("x"), Bytes(15, 0), kCtx, kFastScrypt), Errc::invalid_argument);
}

}  // namespace
}  // namespace sesame::crypto::spake2plus
