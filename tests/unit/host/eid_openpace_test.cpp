// Interoperability with OpenPACE (libeac, an independent PACE implementation):
//  1. OpenPACE as the terminal (PCD) runs PACE with our hosted card through the in-process reader
//     and then reads DG14 with secure messaging computed by OpenPACE (EAC_encrypt/authenticate);
//     OpenPACE's Chip Authentication (terminal side) then reads DG1 under the CA keys;
//  2. our terminal (host/eid) runs PACE against a card whose cryptography is OpenPACE's card side
//     (PICC) and reads a file through our SM channel, checked by OpenPACE.
// Only the tests link libeac (Debian libeac-dev, installed by scripts/install-deps; required).
#include <gtest/gtest.h>

#include "eid_card_harness.h"
#include "host/eid/eid_terminal.h"
#include "iso7816/pace.h"
#include "util/hex.h"
#include "util/tlv.h"

#include <eac/eac.h>
#include <eac/pace.h>
#include <eac/ca.h>
#include <eac/objects.h>
#include <eac/ta.h>
#include <openssl/buffer.h>

// Exported by libeac but declared only in its private headers: the KDF step of CA without a nonce
// (CA version 1), which OpenPACE's public CA_STEP6 runs before checking a version 2 token.
extern "C" int KA_CTX_derive_keys(KA_CTX* ctx, const BUF_MEM* nonce, EVP_MD_CTX* md_ctx);

#include <cstring>
#include <memory>

namespace sesame::host::eid {
namespace {

struct BufFree {
  void operator()(BUF_MEM* b) const noexcept { BUF_MEM_free(b); }
};
using Buf = std::unique_ptr<BUF_MEM, BufFree>;
struct CtxFree {
  void operator()(EAC_CTX* c) const noexcept { EAC_CTX_clear_free(c); }
};
using Ctx = std::unique_ptr<EAC_CTX, CtxFree>;
struct SecFree {
  void operator()(PACE_SEC* s) const noexcept { PACE_SEC_clear_free(s); }
};
using Sec = std::unique_ptr<PACE_SEC, SecFree>;

Buf buf(ByteView b) {
  Buf out(BUF_MEM_new());
  if (!out || (b.size() && BUF_MEM_grow(out.get(), b.size()) == 0)) throw std::bad_alloc();
  if (!b.empty()) std::memcpy(out->data, b.data(), b.size());
  out->length = b.size();
  return out;
}
Bytes bytes(const BUF_MEM* b) {
  EXPECT_NE(b, nullptr);
  if (!b) return {};
  return Bytes(reinterpret_cast<const std::uint8_t*>(b->data),
               reinterpret_cast<const std::uint8_t*>(b->data) + b->length);
}

Ctx context(ByteView card_access) {
  EAC_init();
  Ctx c(EAC_CTX_new());
  EXPECT_EQ(EAC_CTX_init_ef_cardaccess(card_access.data(), card_access.size(), c.get()), 1);
  return c;
}

// OpenPACE's secure messaging primitives (SSC kept in the EAC_CTX).
Bytes op_mac(EAC_CTX* c, ByteView data) {
  Buf padded(EAC_add_iso_pad(c, buf(data).get()));
  return bytes(Buf(EAC_authenticate(c, padded.get())).get());
}
Bytes op_encrypt(EAC_CTX* c, ByteView data) {
  Buf padded(EAC_add_iso_pad(c, buf(data).get()));
  return bytes(Buf(EAC_encrypt(c, padded.get())).get());
}
Bytes op_decrypt(EAC_CTX* c, ByteView cryptogram) {
  Buf plain(EAC_decrypt(c, buf(cryptogram).get()));
  return bytes(Buf(EAC_remove_iso_pad(plain.get())).get());
}
Bytes padded_header(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2) {
  Bytes h{cla, ins, p1, p2, 0x80};
  h.resize(16, 0x00);
  return h;
}

Bytes ga_data(const iso7816::ResponseApdu& r, std::uint32_t tag) {
  EXPECT_EQ(r.sw, 0x9000);
  const Tlv t = parse_one(r.data);
  const Tlv* c = t.find(tag);
  EXPECT_NE(c, nullptr);
  return c ? c->value() : Bytes{};
}

TEST(EidOpenPace, OpenPaceTerminalAgainstOurCard) {
  testing::HostedEid card;
  Reader& r = card.reader;
  ASSERT_EQ(r.transmit({0x00, 0xA4, 0x04, 0x0C, applets::eid::module().default_instance_aid, 0, false}).sw,
            0x9000);
  const auto access = r.transmit({0x00, 0xB0, 0x9C, 0x00, {}, 256, false});
  ASSERT_EQ(access.sw, 0x9000);
  Ctx pcd = context(access.data);  // OpenPACE parses our EF.CardAccess
  Sec secret(PACE_SEC_new(testing::kPin, 6, PACE_PIN));

  const Bytes oid = iso7816::pace::pace_ecdh_gm_oid(16);
  Bytes mse = tlv_encode(0x80, oid);
  append_tlv(mse, 0x83, Bytes{0x03});
  ASSERT_EQ(r.transmit({0x00, 0x22, 0xC1, 0xA4, mse, 0, false}).sw, 0x9000);
  auto ga = [&](bool last, std::uint32_t tag, ByteView v) {
    return r.transmit({static_cast<std::uint8_t>(last ? 0 : 0x10), 0x86, 0, 0,
                       tlv_encode(0x7C, tag ? tlv_encode(tag, v) : Bytes{}), 256, false});
  };
  const Bytes z = ga_data(ga(false, 0, {}), 0x80);
  ASSERT_EQ(PACE_STEP2_dec_nonce(pcd.get(), secret.get(), buf(z).get()), 1);
  Buf map(PACE_STEP3A_generate_mapping_data(pcd.get()));
  const Bytes picc_map = ga_data(ga(false, 0x81, bytes(map.get())), 0x82);
  ASSERT_EQ(PACE_STEP3A_map_generator(pcd.get(), buf(picc_map).get()), 1);
  Buf eph(PACE_STEP3B_generate_ephemeral_key(pcd.get()));
  const Bytes picc_eph = ga_data(ga(false, 0x83, bytes(eph.get())), 0x84);
  ASSERT_EQ(PACE_STEP3B_compute_shared_secret(pcd.get(), buf(picc_eph).get()), 1);
  ASSERT_EQ(PACE_STEP3C_derive_keys(pcd.get()), 1);
  Buf token(PACE_STEP3D_compute_authentication_token(pcd.get(), buf(picc_eph).get()));
  const Bytes picc_token = ga_data(ga(true, 0x85, bytes(token.get())), 0x86);
  EXPECT_EQ(PACE_STEP3D_verify_authentication_token(pcd.get(), buf(picc_token).get()), 1)
      << "OpenPACE accepts our card's token";

  // READ BINARY DG14 (SFI 0E) protected by OpenPACE: SSC 1 for the command, 2 for the answer.
  ASSERT_EQ(EAC_CTX_set_encryption_ctx(pcd.get(), EAC_ID_PACE), 1);
  ASSERT_EQ(EAC_increment_ssc(pcd.get()), 1);
  const Bytes do97 = tlv_encode(0x97, Bytes{0x00});
  const Bytes mac = op_mac(pcd.get(), concat({padded_header(0x0C, 0xB0, 0x8E, 0x00), do97}));
  const auto resp = r.transmit({0x0C, 0xB0, 0x8E, 0x00, concat({do97, tlv_encode(0x8E, mac)}), 256, false});
  ASSERT_EQ(resp.sw, 0x9000);
  ASSERT_EQ(EAC_increment_ssc(pcd.get()), 1);
  const auto dos = parse_tlv(resp.data);
  ASSERT_EQ(dos.size(), 3u);
  EXPECT_EQ(op_mac(pcd.get(), concat({dos[0].encode(), dos[1].encode()})), dos[2].value()) << "response MAC";
  const Bytes dg14 = op_decrypt(pcd.get(), ByteView(dos[0].value()).subspan(1));
  EXPECT_EQ(iso7816::parse_dg14(dg14).chip_authentication_keys.size(), 1u);
}

// OpenPACE's terminal side of Chip Authentication v1 (its ephemeral key, ECDH with the DG14 key,
// KDF, then its secure messaging under the new keys) against our card: our terminal runs PACE and
// carries MSE:Set AT / GENERAL AUTHENTICATE; OpenPACE alone then reads DG1 with the CA keys.
TEST(EidOpenPace, OpenPaceChipAuthenticationAgainstOurCard) {
  testing::HostedEid card;
  EidTerminal t(card.reader);
  t.pace(PacePassword::pin(testing::kPin));
  const auto infos = iso7816::parse_dg14(t.read_file_sfi(0x0E));
  ASSERT_EQ(infos.chip_authentication_keys.size(), 1u);
  const Bytes picc_key = iso7816::ca_public_key(infos.chip_authentication_keys[0]).to_uncompressed_point();

  EAC_init();
  Ctx pcd(EAC_CTX_new());
  ASSERT_EQ(EAC_CTX_init_ca(pcd.get(), NID_id_CA_ECDH_AES_CBC_CMAC_128, 13), 1);
  // TA step 3 generates the PCD's ephemeral key (and returns Comp(), its x coordinate); CA step 2
  // gives the whole point the card needs.
  ASSERT_NE(Buf(TA_STEP3_generate_ephemeral_key(pcd.get())), nullptr);
  Buf eph(CA_STEP2_get_eph_pubkey(pcd.get()));
  ASSERT_NE(eph, nullptr);
  ASSERT_EQ(t.transmit({0x00, 0x22, 0x41, 0xA4, tlv_encode(0x80, iso7816::pace::ca_ecdh_oid(16)), 0, false}).sw,
            0x9000);
  ASSERT_EQ(t.transmit({0x00, 0x86, 0x00, 0x00, tlv_encode(0x7C, tlv_encode(0x80, bytes(eph.get()))), 256, false}).sw,
            0x9000);
  ASSERT_EQ(CA_STEP4_compute_shared_secret(pcd.get(), buf(picc_key).get()), 1);
  ASSERT_EQ(KA_CTX_derive_keys(pcd->ca_ctx->ka_ctx, nullptr, pcd->md_ctx), 1);
  ASSERT_EQ(EAC_CTX_set_encryption_ctx(pcd.get(), EAC_ID_CA), 1);

  // READ BINARY DG1 (SFI 01), protected by OpenPACE with the CA keys: SSC 1 command, 2 answer.
  ASSERT_EQ(EAC_increment_ssc(pcd.get()), 1);
  const Bytes do97 = tlv_encode(0x97, Bytes{0x00});
  const Bytes mac = op_mac(pcd.get(), concat({padded_header(0x0C, 0xB0, 0x81, 0x00), do97}));
  const auto resp =
      card.reader.transmit({0x0C, 0xB0, 0x81, 0x00, concat({do97, tlv_encode(0x8E, mac)}), 256, false});
  ASSERT_EQ(resp.sw, 0x9000) << "our card accepts OpenPACE's MAC under the CA keys";
  ASSERT_EQ(EAC_increment_ssc(pcd.get()), 1);
  const auto dos = parse_tlv(resp.data);
  ASSERT_EQ(dos.size(), 3u);
  EXPECT_EQ(op_mac(pcd.get(), concat({dos[0].encode(), dos[1].encode()})), dos[2].value()) << "response MAC";
  EXPECT_EQ(op_decrypt(pcd.get(), ByteView(dos[0].value()).subspan(1)), testing::kDg1);
}

// A card whose PACE and secure messaging are OpenPACE's card side (PICC).
class OpenPaceCard final : public Reader {
 public:
  explicit OpenPaceCard(Bytes card_access)
      : card_access_(std::move(card_access)),
        ctx_(context(card_access_)),
        secret_(PACE_SEC_new(testing::kPin, 6, PACE_PIN)) {}
  std::string name() const override { return "OpenPACE PICC"; }
  Bytes connect() override { return {}; }
  void disconnect() override {}
  Bytes reset(bool) override { return {}; }
  Bytes transmit_raw(ByteView raw) override { return answer(iso7816::CommandApdu::parse(raw)).encode(); }
  bool secure_read_done = false;

 private:
  iso7816::ResponseApdu answer(const iso7816::CommandApdu& c) {
    if (c.ins == 0xA4) return {};
    if (c.cla == 0x00 && c.ins == 0xB0 && c.p1 == 0x9C) return {card_access_, 0x9000};
    if (c.ins == 0x22) return {};
    if (c.ins == 0x86) return general_authenticate(c);
    if (c.cla == 0x0C && c.ins == 0xB0) return protected_read(c);
    return {{}, 0x6D00};
  }
  iso7816::ResponseApdu general_authenticate(const iso7816::CommandApdu& c) {
    const Tlv d = parse_one(c.data);
    auto out = [](std::uint32_t tag, ByteView v) {
      return iso7816::ResponseApdu{tlv_encode(0x7C, tlv_encode(tag, v)), 0x9000};
    };
    if (d.children().empty())
      return out(0x80, bytes(Buf(PACE_STEP1_enc_nonce(ctx_.get(), secret_.get())).get()));
    const Tlv& x = d.children()[0];
    if (x.tag() == 0x81) {
      Buf mine(PACE_STEP3A_generate_mapping_data(ctx_.get()));
      EXPECT_EQ(PACE_STEP3A_map_generator(ctx_.get(), buf(x.value()).get()), 1);
      return out(0x82, bytes(mine.get()));
    }
    if (x.tag() == 0x83) {
      pcd_eph_ = x.value();
      Buf mine(PACE_STEP3B_generate_ephemeral_key(ctx_.get()));
      EXPECT_EQ(PACE_STEP3B_compute_shared_secret(ctx_.get(), buf(x.value()).get()), 1);
      EXPECT_EQ(PACE_STEP3C_derive_keys(ctx_.get()), 1);
      return out(0x84, bytes(mine.get()));
    }
    if (PACE_STEP3D_verify_authentication_token(ctx_.get(), buf(x.value()).get()) != 1) return {{}, 0x6300};
    Buf token(PACE_STEP3D_compute_authentication_token(ctx_.get(), buf(pcd_eph_).get()));
    EXPECT_EQ(EAC_CTX_set_encryption_ctx(ctx_.get(), EAC_ID_PACE), 1);
    return out(0x86, bytes(token.get()));
  }
  iso7816::ResponseApdu protected_read(const iso7816::CommandApdu& c) {
    EXPECT_EQ(EAC_increment_ssc(ctx_.get()), 1);
    const auto dos = parse_tlv(c.data);
    if (dos.size() != 2 || dos[1].tag() != 0x8E) return {{}, 0x6987};
    if (op_mac(ctx_.get(), concat({padded_header(c.cla, c.ins, c.p1, c.p2), dos[0].encode()})) !=
        dos[1].value())
      return {{}, 0x6988};
    secure_read_done = true;
    EXPECT_EQ(EAC_increment_ssc(ctx_.get()), 1);
    Bytes v{0x01};
    append(v, op_encrypt(ctx_.get(), from_hex("6E03010203")));
    const Bytes body = concat({tlv_encode(0x87, v), tlv_encode(0x99, Bytes{0x90, 0x00})});
    return {concat({body, tlv_encode(0x8E, op_mac(ctx_.get(), body))}), 0x9000};
  }

  Bytes card_access_;
  Ctx ctx_;
  Sec secret_;
  Bytes pcd_eph_;
};

TEST(EidOpenPace, OurTerminalAgainstOpenPaceCard) {
  // EF.CardAccess of ICAO 9303-11 Appendix G.1 (PACE-ECDH-GM-AES-128, brainpoolP256r1).
  OpenPaceCard card(from_hex("31143012060A04007F0007020204020202010202010D"));
  EidTerminal t(card);
  t.pace(PacePassword::pin(testing::kPin));
  ASSERT_TRUE(t.secure());
  EXPECT_EQ(t.read_file_sfi(0x0E), from_hex("6E03010203"));
  EXPECT_TRUE(card.secure_read_done) << "OpenPACE verified our command MAC";
}

TEST(EidOpenPace, OurTerminalWithWrongPinAgainstOpenPaceCard) {
  OpenPaceCard card(from_hex("31143012060A04007F0007020204020202010202010D"));
  EidTerminal t(card);
  try {
    t.pace(PacePassword::pin("654321"));
    FAIL() << "PACE with a wrong PIN succeeded";
  } catch (const CardRefused& e) {
    EXPECT_EQ(e.sw(), 0x6300);
  }
}

}  // namespace
}  // namespace sesame::host::eid
