// The M/Chip-style payment application: SELECT, GET PROCESSING OPTIONS, READ RECORD, GET DATA,
// GENERATE AC (first and second, with CDA); VERIFY of the Personal Code (payment_personal_code.cpp)
// and the issuer script commands (payment_scripts.cpp). Instruction set and risk rules: docs/EMV.md.
#include <optional>
#include <string>

#include "applets/emv/emv_applets.h"
#include "applets/emv/emv_profile.h"
#include "applets/emv/payment_records.h"
#include "crypto/emv_certificates.h"
#include "crypto/emv_keys.h"
#include "crypto/hash.h"
#include "crypto/rsa_key.h"
#include "iso7816/emv_cache_digest.h"
#include "iso7816/emv_card_data.h"
#include "iso7816/emv_dol.h"
#include "iso7816/status_word.h"
#include "util/byte_reader.h"
#include "util/error.h"
#include "util/secure_buffer.h"
#include "util/tlv.h"

namespace sesame::applets::emv {
namespace {

using card::AppletContext;
using iso7816::CommandApdu;
using iso7816::ResponseApdu;
using iso7816::Sw;
using iso7816::throw_sw;
namespace dol = iso7816::emv;

constexpr std::uint8_t kCidAac = 0x00, kCidTc = 0x40, kCidArqc = 0x80;
constexpr std::uint8_t kCdaRequested = 0x10;  // GENERATE AC P1 b5 (Book 3 §6.5.5.2)
constexpr std::uint8_t kKeyDerivationIndex = 0x01, kCvn = 0x10;

std::uint64_t bcd_amount(ByteView v) {
  std::uint64_t n = 0;
  for (auto b : v) {
    if ((b >> 4) > 9 || (b & 0x0F) > 9) throw_sw(Sw::incorrect_data);
    n = n * 100 + (b >> 4) * 10 + (b & 0x0F);
  }
  return n;
}

// ARC values (Book 4 Annex A6): "00", "10", "11" approved online; "Y3"/"Z3" unable to go online.
bool arc_approved(ByteView arc) {
  return arc.size() == 2 && ((arc[0] == '0' && arc[1] == '0') || (arc[0] == '1' && (arc[1] == '0' || arc[1] == '1')));
}
bool arc_unable_online(ByteView arc) { return arc.size() == 2 && (arc[0] == 'Y' || arc[0] == 'Z') && arc[1] == '3'; }

// The ICC private key, decoded once per applet instance and reused while its sealed record stays
// the same (compared byte for byte with the record on every use, so a rolled-back or replaced key
// is never used). Decoding a key costs more than the signature itself: OpenSSL sets up the
// Montgomery contexts and the blinding of a new key on its first private operation. The copy of
// the record lives in zeroizing memory; the runtime may drop the instance (and the cache) anytime.
class IccKeyCache {
 public:
  const crypto::RsaPrivateKey& get(const card::Persistent& st) {
    const SecureBytes* der = st.view(rec::kIccKey);
    if (!der) fail(Errc::internal, "payment applet: record missing: icckey");
    if (!key_ || !secure_equal(der_.view(), der->view())) {
      key_.reset();
      der_ = SecureBytes();
      key_ = crypto::RsaPrivateKey::from_checked_pkcs8_der(der->view());
      der_ = *der;
    }
    return *key_;
  }

 private:
  SecureBytes der_;
  std::optional<crypto::RsaPrivateKey> key_;
};

class PaymentApplet final : public card::Applet {
 public:
  void install(AppletContext& ctx, ByteView params) override {
    Profile p;
    try {
      p = parse_profile(std::string_view(reinterpret_cast<const char*>(params.data()), params.size()));
    } catch (const Error&) {
      throw_sw(Sw::incorrect_data);
    }
    emv::personalise(ctx, p);  // the free function (payment_personalisation.cpp), not Applet::personalise
  }

  void deselect(AppletContext& ctx) override { ctx.session<Txn>() = Txn{}; }
  bool supports_secure_messaging() const override { return true; }  // issuer scripts (payment_scripts.cpp)

  ResponseApdu process(const CommandApdu& apdu, AppletContext& ctx) override {
    if (ctx.selecting()) return select(apdu, ctx);
    if (is_script_command(apdu)) return issuer_script(apdu, ctx, ctx.session<Txn>());
    if (apdu.secure_messaging()) throw_sw(Sw::secure_messaging_not_supported);
    const bool proprietary = (apdu.cla & 0x80) != 0;
    switch (apdu.ins) {
      case 0xA8:
        if (!proprietary) throw_sw(Sw::cla_not_supported);
        return get_processing_options(apdu, ctx);
      case 0xB2:
        if (proprietary) throw_sw(Sw::cla_not_supported);
        return read_record(apdu, ctx);
      case 0x88:
        if (proprietary) throw_sw(Sw::cla_not_supported);
        return internal_authenticate(apdu, ctx);
      case 0xCA:
        if (!proprietary) throw_sw(Sw::cla_not_supported);
        return get_data(apdu, ctx);
      case 0xAE:
        if (!proprietary) throw_sw(Sw::cla_not_supported);
        return generate_ac(apdu, ctx);
      case 0x20:
        if (proprietary) throw_sw(Sw::cla_not_supported);
        return verify_personal_code(apdu, ctx);
      case 0xD4:
        if (!proprietary) throw_sw(Sw::cla_not_supported);
        return check_static_data(apdu, ctx);
      default:
        throw_sw(Sw::ins_not_supported);
    }
  }

 private:
  ResponseApdu select(const CommandApdu& apdu, AppletContext& ctx) const {
    ctx.session<Txn>() = Txn{};  // a SELECT starts a new transaction
    // Book 1 §12.4 / Book 3 §6.5.1: a blocked application still selects, with 6283.
    const std::uint16_t sw = application_blocked(ctx.persistent()) ? 0x6283 : 0x9000;
    if ((apdu.p2 & 0x0C) == 0x0C) return {{}, sw};
    return {required(ctx.persistent(), rec::kFci), sw};
  }

  // GET PROCESSING OPTIONS (Book 3 §6.5.8): data '83' L PDOL-related-data. The ATC is incremented
  // and made durable here, before any cryptogram of this transaction can exist (D2).
  ResponseApdu get_processing_options(const CommandApdu& apdu, AppletContext& ctx) const {
    if (apdu.p1 != 0 || apdu.p2 != 0) throw_sw(Sw::incorrect_p1p2);
    auto& txn = ctx.session<Txn>();
    if (txn.state != Txn::State::idle) throw_sw(Sw::conditions_not_satisfied);
    ByteReader r(apdu.data, "GPO");
    if (apdu.data.size() < 2 || r.u8() != 0x83) throw_sw(Sw::incorrect_data);
    const std::size_t len = r.u8();
    const std::size_t expect = dol::dol_data_length(dol::parse_dol(dol::kPdol));
    if (len != r.remaining() || len != expect) throw_sw(Sw::wrong_length);
    auto& st = ctx.persistent();
    const auto atc = read_u(st, rec::kAtc);
    if (atc >= 0xFFFF) throw_sw(Sw::conditions_not_satisfied);  // ATC exhausted: the application is dead
    st.put_now(rec::kAtc, SecureBytes(be(atc + 1, 2)));
    txn = Txn{};  // a new transaction closes the previous one's script window
    txn.state = Txn::State::processing;
    txn.atc = static_cast<std::uint16_t>(atc + 1);
    txn.pdol_data.assign(apdu.data.begin() + 2, apdu.data.end());
    return {gpo_response(st), 0x9000};
  }

  // INTERNAL AUTHENTICATE for DDA (Book 2 §6.5, Book 3 §6.5.9): the Signed Dynamic Application
  // Data over a fresh ICC dynamic number and the terminal's DDOL data, in format 1 ('80').
  ResponseApdu internal_authenticate(const CommandApdu& apdu, AppletContext& ctx) const {
    if (apdu.p1 != 0 || apdu.p2 != 0) throw_sw(Sw::incorrect_p1p2);
    auto& st = ctx.persistent();
    if (ctx.session<Txn>().state != Txn::State::processing || !st.contains(rec::kIccKey))
      throw_sw(Sw::conditions_not_satisfied);
    if (apdu.data.size() != dol::dol_data_length(dol::parse_dol(dol::kDdol))) throw_sw(Sw::wrong_length);
    Bytes dyn{0x08};
    append(dyn, ctx.random(8));
    return {tlv_encode(0x80, crypto::emv::sign_dynamic_data(icc_key_.get(st), dyn, apdu.data)), 0x9000};
  }

  // READ RECORD (Book 1 §11.2, Book 3 §6.5.11): P2 = SFI << 3 | 100. SFI 11 is the transaction log
  // (record 1 the most recent, Book 3 Annex D).
  ResponseApdu read_record(const CommandApdu& apdu, AppletContext& ctx) const {
    if ((apdu.p2 & 0x07) != 0x04 || apdu.p1 == 0) throw_sw(Sw::incorrect_p1p2);
    if (!apdu.data.empty()) throw_sw(Sw::wrong_length);
    const auto sfi = static_cast<std::uint8_t>(apdu.p2 >> 3);
    const auto& st = ctx.persistent();
    const SecureBytes* v = nullptr;
    if (sfi == kLogSfi) {
      const auto seq = static_cast<std::uint32_t>(read_u(st, rec::kLogSeq));
      if (apdu.p1 > kLogRecords || apdu.p1 > seq) throw_sw(Sw::record_not_found);
      v = st.view(rec::log_entry(seq - apdu.p1 + 1));
    } else {
      v = st.view(rec::record(sfi, apdu.p1));
    }
    if (!v) throw_sw(Sw::record_not_found);
    return {v->reveal(), 0x9000};
  }

  // GET DATA (Book 3 §6.5.7): 9F36 ATC, 9F13 last online ATC, 9F17 PIN try counter, 9F4F log format.
  ResponseApdu get_data(const CommandApdu& apdu, AppletContext& ctx) const {
    if (!apdu.data.empty()) throw_sw(Sw::wrong_length);
    const auto tag = static_cast<std::uint32_t>((apdu.p1 << 8) | apdu.p2);
    const auto& st = ctx.persistent();
    switch (tag) {
      case 0x9F36: return {tlv_encode(tag, required(st, rec::kAtc)), 0x9000};
      case 0x9F13: return {tlv_encode(tag, required(st, rec::kLastOnlineAtc)), 0x9000};
      case 0x9F17: return {tlv_encode(tag, required(st, rec::kPinTries)), 0x9000};
      case 0x9F4F: return {tlv_encode(tag, kLogFormat), 0x9000};
      case 0x9F14:
      case 0x9F23: {
        const Config cfg = Config::decode(required(st, rec::kConfig));
        return {tlv_encode(tag, Bytes{tag == 0x9F14 ? cfg.lower_consecutive : cfg.upper_consecutive}), 0x9000};
      }
      // Application state (proprietary): blocked, consecutive script failures, their limit, CVR byte 6.
      case 0xDF21:
        return {tlv_encode(tag, Bytes{static_cast<std::uint8_t>(application_blocked(st) ? 1 : 0),
                                      static_cast<std::uint8_t>(read_u_or(st, rec::kScriptFailures, 0)),
                                      static_cast<std::uint8_t>(read_u_or(st, rec::kScriptLimit, 3)),
                                      script_cvr_byte(st)}),
                0x9000};
      default: throw_sw(Sw::referenced_data_not_found);
    }
  }

  // GPO's answer: AIP and AFL in format 2.
  static Bytes gpo_response(const card::Persistent& st) {
    Bytes body;
    append_tlv(body, 0x82, required(st, rec::kAip));
    append_tlv(body, 0x94, required(st, rec::kAfl));
    return tlv_encode(0x77, body);
  }

  // CHECK STATIC DATA (proprietary, sesame: docs/EMV.md "HCE cache mode"): 9000 when the digest of
  // the FCI, the GPO answer and the AFL records (iso7816/emv_cache_digest.h) is the one sent, else
  // 6A80. Changes nothing: an HCE cache sends it before GPO so that a stale cache spends no ATC.
  ResponseApdu check_static_data(const CommandApdu& apdu, AppletContext& ctx) const {
    if (apdu.p1 != 0 || apdu.p2 != 0) throw_sw(Sw::incorrect_p1p2);
    if (apdu.data.size() != dol::kCacheDigestSize) throw_sw(Sw::wrong_length);
    const auto& st = ctx.persistent();
    const Bytes afl = required(st, rec::kAfl);
    std::vector<Bytes> records;
    for (const auto& e : dol::parse_afl(afl))
      for (int n = e.first; n <= e.last; ++n) records.push_back(required(st, rec::record(e.sfi, static_cast<std::uint8_t>(n)).c_str()));
    if (dol::cache_digest(required(st, rec::kFci), gpo_response(st), records) != apdu.data) throw_sw(Sw::incorrect_data);
    return {{}, 0x9000};
  }

  ResponseApdu generate_ac(const CommandApdu& apdu, AppletContext& ctx) const {
    const std::uint8_t requested = apdu.p1 & 0xC0;
    if ((apdu.p1 & 0x2F) != 0 || requested == 0xC0 || apdu.p2 != 0) throw_sw(Sw::incorrect_p1p2);
    auto& txn = ctx.session<Txn>();
    if (txn.state == Txn::State::processing) return first_ac(apdu, ctx, txn);
    if (txn.state == Txn::State::online) return second_ac(apdu, ctx, txn);
    throw_sw(Sw::conditions_not_satisfied);  // before GPO, or after the transaction completed
  }

  ResponseApdu first_ac(const CommandApdu& apdu, AppletContext& ctx, Txn& txn) const {
    const auto cdol1 = dol::parse_dol(dol::kCdol1);
    if (apdu.data.size() != dol::dol_data_length(cdol1)) throw_sw(Sw::wrong_length);
    auto& st = ctx.persistent();
    if (read_u(st, rec::kAtc) != txn.atc) fail(Errc::internal, "payment applet: ATC changed during a transaction");
    const Config cfg = Config::decode(required(st, rec::kConfig));
    const ByteView data = apdu.data;
    const std::uint64_t amount = bcd_amount(*dol::dol_value(cdol1, data, 0x9F02));
    const Bytes currency = *dol::dol_value(cdol1, data, 0x5F2A);
    const std::uint8_t terminal_type = (*dol::dol_value(cdol1, data, 0x9F35))[0];
    const bool offline_only = (terminal_type & 0x0F) == 0x03 || (terminal_type & 0x0F) == 0x06;

    Bytes cvr(6, 0);
    cvr[0] = 0x80;  // second GENERATE AC not requested (yet)
    cvr[2] = static_cast<std::uint8_t>(read_u(st, rec::kPinTries) & 0x0F);
    cvr[5] = script_cvr_byte(st);  // the last online transaction's script results
    std::uint8_t cid = apdu.p1 & 0xC0;
    // A blocked application never approves offline; it still goes online so that the issuer can
    // answer with APPLICATION UNBLOCK (docs/EMV.md).
    if (application_blocked(st) && cid == kCidTc) cid = kCidAac;
    // Personal Code (Payez Mobile): above the entry limit without a verification, decline with
    // "code required" so that the wallet asks for it and the holder taps again.
    cvr[3] |= personal_code_for_transaction(ctx, amount);
    if (cvr[3] & kCvrCodeRequired) cid = kCidAac;
    const auto count = read_u(st, rec::kOfflineCount);
    const auto cumulative = read_u(st, rec::kOfflineAmount);
    if (cid == kCidTc) {
      // Card risk management: an amount in another currency cannot be counted offline.
      const bool same_currency = currency == cfg.currency;
      const std::uint64_t new_amount = cumulative + amount;
      const bool lower = count + 1 > cfg.lower_consecutive || !same_currency || new_amount > cfg.lower_amount;
      const bool upper = count + 1 > cfg.upper_consecutive || !same_currency || new_amount > cfg.upper_amount;
      if (count + 1 > cfg.lower_consecutive) cvr[4] |= 0x80;
      if (count + 1 > cfg.upper_consecutive) cvr[4] |= 0x40;
      if (!same_currency || new_amount > cfg.lower_amount) cvr[4] |= 0x20;
      if (!same_currency || new_amount > cfg.upper_amount) cvr[4] |= 0x10;
      if (offline_only) {
        if (upper) cid = kCidAac;
      } else if (lower) {
        cid = kCidArqc;
      }
      if (cid == kCidTc) {
        st.put(rec::kOfflineCount, ByteView(be(count + 1, 1)));
        st.put(rec::kOfflineAmount, ByteView(be(new_amount, 8)));
      }
    }
    cvr[0] |= cid == kCidTc ? 0x10 : cid == kCidArqc ? 0x20 : 0x00;
    txn.cdol1_data.assign(data.begin(), data.end());
    const auto unpredictable = *dol::dol_value(cdol1, data, 0x9F37);
    auto resp = respond(ctx, txn, apdu.p1, cid, cvr, data, {}, unpredictable, 0);
    if (cid == kCidArqc) {
      txn.state = Txn::State::online;
      txn.script_window = true;
      // This online transaction's scripts start now (written only when it changes, so that an
      // ARQC usually commits nothing: the ATC written in GPO is its only write point).
      if (read_u_or(st, rec::kScriptResults, 0) != 0) st.put(rec::kScriptResults, ByteView(Bytes{0}));
    } else {
      txn.state = Txn::State::idle;
      log(st, txn.atc, cid, data, cdol1, cvr);
    }
    return resp;
  }

  ResponseApdu second_ac(const CommandApdu& apdu, AppletContext& ctx, Txn& txn) const {
    const auto cdol1 = dol::parse_dol(dol::kCdol1);
    const auto cdol2 = dol::parse_dol(dol::kCdol2);
    if (apdu.data.size() != dol::dol_data_length(cdol2)) throw_sw(Sw::wrong_length);
    auto& st = ctx.persistent();
    const Config cfg = Config::decode(required(st, rec::kConfig));
    const ByteView data = apdu.data;
    const Bytes iad = *dol::dol_value(cdol2, data, 0x91);
    const Bytes arc = *dol::dol_value(cdol2, data, 0x8A);

    Bytes cvr(6, 0);
    cvr[0] = 0x20;  // first GENERATE AC returned an ARQC
    cvr[2] = static_cast<std::uint8_t>(read_u(st, rec::kPinTries) & 0x0F);
    // Issuer authentication (Book 2 §8.2): ARPC under the AC session key of this ATC.
    bool issuer_ok = false;
    if (!arc_unable_online(arc)) {
      cvr[1] |= 0x10;  // issuer authentication performed
      const SecureBytes mk = required_secret(st, rec::kMasterKey);
      const auto sk = crypto::emv::derive_common_session_key(mk.view(), crypto::emv::ac_diversifier(txn.atc));
      const ByteView iv = iad;
      const Bytes expect = cfg.arpc_method == 1
                               ? crypto::emv::arpc_method1(sk.view(), txn.first_ac, iv.subspan(8, 2))
                               : crypto::emv::arpc_method2(sk.view(), txn.first_ac, iv.subspan(4, 4), iv.subspan(8, 2));
      // Method 1: 91 = ARPC(8) || ARC; method 2: ARPC(4) || CSU(4) || PAD(2) where the PAD is the ARC.
      // Either way the ARC the terminal passes in 8A must be the one the ARPC covers.
      issuer_ok = secure_equal(expect, iv.first(expect.size())) && secure_equal(iv.subspan(8, 2), arc);
      if (!issuer_ok) cvr[4] |= 0x04;  // issuer authentication failed
    }
    std::uint8_t cid = kCidAac;
    const auto count = read_u(st, rec::kOfflineCount);
    const auto cumulative = read_u(st, rec::kOfflineAmount);
    cvr[5] = script_cvr_byte(st);  // the scripts (tag 71) of this transaction so far
    if ((apdu.p1 & 0xC0) == kCidTc && !application_blocked(st)) {
      if (issuer_ok && arc_approved(arc)) {
        cid = kCidTc;  // approved online: the issuer resets the offline counters
        st.put(rec::kOfflineCount, ByteView(Bytes{0}));
        st.put(rec::kOfflineAmount, ByteView(Bytes(8, 0)));
        st.put(rec::kLastOnlineAtc, ByteView(be(txn.atc, 2)));
      } else if (arc_unable_online(arc) && arc[0] == 'Y') {
        cvr[3] |= 0x40;  // unable to go online
        const std::uint64_t amount = bcd_amount(*dol::dol_value(cdol1, txn.cdol1_data, 0x9F02));
        const bool same_currency = *dol::dol_value(cdol1, txn.cdol1_data, 0x5F2A) == cfg.currency;
        if (count + 1 <= cfg.upper_consecutive && same_currency && cumulative + amount <= cfg.upper_amount) {
          cid = kCidTc;
          st.put(rec::kOfflineCount, ByteView(be(count + 1, 1)));
          st.put(rec::kOfflineAmount, ByteView(be(cumulative + amount, 8)));
        } else {
          cvr[4] |= 0x40;
        }
      }
    }
    cvr[0] |= cid == kCidTc ? 0x40 : 0x00;
    const auto unpredictable = *dol::dol_value(cdol2, data, 0x9F37);
    auto resp = respond(ctx, txn, apdu.p1, cid, cvr, txn.cdol1_data, data, unpredictable, 1);
    txn.state = Txn::State::idle;
    log(st, txn.atc, cid, txn.cdol1_data, cdol1, cvr);
    return resp;
  }

  // The cryptogram and its response: format 2 ('77') with 9F27, 9F36, 9F26 (or 9F4B with CDA), 9F10.
  ResponseApdu respond(AppletContext& ctx, Txn& txn, std::uint8_t p1, std::uint8_t cid, Bytes& cvr,
                       ByteView cdol1_data, ByteView cdol2_data, ByteView unpredictable, int which) const {
    auto& st = ctx.persistent();
    const Bytes aip = required(st, rec::kAip);
    const bool cda = (p1 & kCdaRequested) && cid != kCidAac && (aip[0] & 0x01) && st.contains(rec::kIccKey);
    if (cda) cvr[1] |= which == 0 ? 0x40 : 0x20;
    const SecureBytes mk = required_secret(st, rec::kMasterKey);
    const auto sk = crypto::emv::derive_common_session_key(mk.view(), crypto::emv::ac_diversifier(txn.atc));
    const Bytes ac = crypto::emv::application_cryptogram(
        sk.view(), crypto::emv::cryptogram_input(concat({cdol1_data, cdol2_data}), aip, txn.atc, cvr));
    if (which == 0) txn.first_ac = ac;
    Bytes iad{kKeyDerivationIndex, kCvn};
    append(iad, cvr);
    const Bytes t27 = tlv_encode(0x9F27, Bytes{cid});
    const Bytes t36 = tlv_encode(0x9F36, be(txn.atc, 2));
    const Bytes t10 = tlv_encode(0x9F10, iad);
    Bytes body = concat({t27, t36});
    if (cda) {
      // Book 2 §6.6.1: the transaction data hash covers the PDOL data, CDOL1 (and CDOL2) data and
      // the response's data objects other than the SDAD, in the order they are returned.
      const Bytes tx_hash = crypto::sha1(concat({txn.pdol_data, cdol1_data, cdol2_data, t27, t36, t10}));
      const crypto::emv::CdaDynamicData dd{ctx.random(8), cid, ac, tx_hash};
      append_tlv(body, 0x9F4B,
                 crypto::emv::sign_dynamic_data(icc_key_.get(st), crypto::emv::encode_cda_dynamic_data(dd), unpredictable));
    } else {
      append_tlv(body, 0x9F26, ac);
    }
    append(body, t10);
    return {tlv_encode(0x77, body), 0x9000};
  }

  // Transaction log entry in the 9F4F format; the oldest of kLogRecords is dropped.
  static void log(card::Persistent& st, std::uint16_t atc, std::uint8_t cid, ByteView cdol1_data,
                  const std::vector<dol::DolEntry>& cdol1, ByteView cvr) {
    Bytes e = be(atc, 2);
    e.push_back(cid);
    for (std::uint32_t tag : {0x9F02u, 0x5F2Au, 0x9Au, 0x9Cu}) append(e, *dol::dol_value(cdol1, cdol1_data, tag));
    append(e, cvr);
    const auto seq = static_cast<std::uint32_t>(read_u(st, rec::kLogSeq)) + 1;
    st.put(rec::log_entry(seq), ByteView(e));
    if (seq > kLogRecords) st.erase(rec::log_entry(seq - kLogRecords));
    st.put(rec::kLogSeq, ByteView(be(seq, 4)));
  }

  mutable IccKeyCache icc_key_;  // a cache only (see above): the card runs one command at a time
};

}  // namespace

std::unique_ptr<card::Applet> make_payment_applet() { return std::make_unique<PaymentApplet>(); }

card::AppletModule payment_module() {
  return {.name = kPaymentModule,
          .load_file_aid = {0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 'E', 'M', 'V', 0x02},
          .module_aid = {0xF0, 'S', 'E', 'S', 'A', 'M', 'E', 'E', 'M', 'V', 0x02, 0x01},
          .default_instance_aid = kMastercardAid,
          .multi_selectable = false,
          .factory = [] { return make_payment_applet(); }};
}

}  // namespace sesame::applets::emv
