#include "host/emv/kernel.h"

#include <algorithm>
#include <cstdio>

#include "crypto/emv_certificates.h"
#include "crypto/emv_keys.h"
#include "crypto/random.h"
#include "iso7816/emv_dol.h"
#include "iso7816/status_word.h"
#include "util/error.h"
#include "util/tlv.h"

namespace sesame::host::emv {
namespace {

using iso7816::CommandApdu;
using iso7816::ResponseApdu;
namespace dol = iso7816::emv;

constexpr std::uint8_t kAac = 0x00, kTc = 0x40, kArqc = 0x80;
const Bytes kPpse{'2', 'P', 'A', 'Y', '.', 'S', 'Y', 'S', '.', 'D', 'D', 'F', '0', '1'};

void set(Bytes& tvr, std::pair<int, std::uint8_t> bit) { tvr[static_cast<std::size_t>(bit.first)] |= bit.second; }

Bytes bcd_amount(std::uint64_t v) {
  std::string d = std::to_string(v);
  if (d.size() > 12) fail(Errc::invalid_argument, "kernel: amount above 12 digits");
  d.insert(0, 12 - d.size(), '0');
  return crypto::emv::digits_to_bcd(d, 6);
}

long date_value(const std::string& yymmdd) {
  const int yy = std::stoi(yymmdd.substr(0, 2));
  return (yy < 50 ? 20000000L : 19000000L) + std::stol(yymmdd);
}

ResponseApdu send(Reader& r, CommandApdu c, const char* what) {
  auto resp = r.transmit(c);
  if (!resp.ok()) fail(Errc::state, std::string(what) + " answered " + iso7816::sw_name(resp.sw));
  return resp;
}

CommandApdu select(ByteView aid) { return {0x00, 0xA4, 0x04, 0x00, Bytes(aid.begin(), aid.end()), 256, false}; }

// Keeps every primitive data object of a template (records, FCI, GPO/GENERATE AC responses).
void collect(const Tlv& t, std::map<std::uint32_t, Bytes>& out) {
  if (!t.is_constructed()) {
    out[t.tag()] = t.value();
    return;
  }
  for (const auto& c : t.children()) collect(c, out);
}

class Kernel {
 public:
  Kernel(Reader& r, const TerminalConfig& t, const Transaction& x, const OnlineAuthoriser& o)
      : reader_(r), term_(t), txn_(x), online_(o) {}

  Outcome run() {
    try {
      if (txn_.date.size() != 6 || txn_.date.find_first_not_of("0123456789") != std::string::npos)
        fail(Errc::invalid_argument, "kernel: transaction date must be YYMMDD");
      un_ = txn_.unpredictable_number.empty() ? crypto::random_bytes(4) : txn_.unpredictable_number;
      select_application();
      initiate();
      read_records();
      offline_data_authentication();
      processing_restrictions();
      terminal_risk_management();
      first_generate_ac();
    } catch (const Error& e) {
      out_.result = Outcome::Result::end_application;
      out_.reason = e.what();
    } catch (const std::exception& e) {  // a kernel bug must not take the terminal down
      out_.result = Outcome::Result::end_application;
      out_.reason = std::string("internal error: ") + e.what();
    }
    out_.card_data = std::move(card_);
    return std::move(out_);
  }

 private:
  // Book B §3.3: PPSE, then the supported candidates by priority; the first that selects wins.
  void select_application() {
    const auto ppse = send(reader_, select(kPpse), "SELECT PPSE");
    auto entries = detail::parse_ppse(ppse.data);
    std::erase_if(entries, [&](const detail::DirectoryEntry& e) {
      return std::none_of(term_.supported_aids.begin(), term_.supported_aids.end(), [&](const Bytes& p) {
        return e.aid.size() >= p.size() && std::equal(p.begin(), p.end(), e.aid.begin());
      });
    });
    detail::sort_by_priority(entries);
    bool blocked_seen = false;
    for (const auto& e : entries) {
      const auto r = reader_.transmit(select(e.aid));
      if (r.sw == 0x6283) {  // blocked (Book 1 §12.4): not a candidate for an ordinary terminal
        blocked_seen = true;
        if (!term_.select_blocked) continue;
        out_.application_blocked = true;
      } else if (!r.ok()) {
        continue;
      }
      const Tlv fci = parse_one(r.data);
      if (fci.tag() != 0x6F) fail(Errc::parse, "SELECT: FCI template 6F expected");
      out_.aid = e.aid;
      if (const Tlv* pdol = fci.find_deep(0x9F38)) pdol_ = pdol->value();
      return;
    }
    out_.application_blocked = blocked_seen;
    fail(Errc::not_found, blocked_seen ? "the payment application is blocked" : "no supported payment application on the card");
  }

  std::optional<Bytes> terminal_value(std::uint32_t tag) const {
    switch (tag) {
      case 0x9F02: return bcd_amount(txn_.amount);
      case 0x9F03: return bcd_amount(txn_.other_amount);
      case 0x9F1A: return term_.country;
      case 0x5F2A: return term_.currency;
      case 0x9A: return crypto::emv::digits_to_bcd(txn_.date, 3);
      case 0x9C: return Bytes{txn_.type};
      case 0x9F37: return un_;
      case 0x9F35: return Bytes{term_.terminal_type};
      case 0x95: return out_.tvr;
      case 0x8A: return arc_;
      case 0x91: return issuer_auth_data_;
      default: break;
    }
    const auto it = card_.find(tag);
    if (it != card_.end()) return it->second;
    return std::nullopt;
  }

  Bytes dol_data(ByteView dol_bytes) const {
    return dol::build_dol_data(dol::parse_dol(dol_bytes), [this](std::uint32_t t) { return terminal_value(t); });
  }

  // GET PROCESSING OPTIONS (Book 3 §10.1): format 1 ('80': AIP || AFL) or format 2 ('77').
  void initiate() {
    pdol_data_ = dol_data(pdol_);
    Bytes data{0x83};
    append(data, encode_length(pdol_data_.size()));
    append(data, pdol_data_);
    const auto r = send(reader_, {0x80, 0xA8, 0x00, 0x00, data, 256, false}, "GET PROCESSING OPTIONS");
    const Tlv t = parse_one(r.data);
    if (t.tag() == 0x80) {
      if (t.value().size() < 2 || (t.value().size() - 2) % 4 != 0) fail(Errc::parse, "GPO: malformed format 1");
      aip_.assign(t.value().begin(), t.value().begin() + 2);
      afl_.assign(t.value().begin() + 2, t.value().end());
    } else if (t.tag() == 0x77) {
      aip_ = t.require(0x82).value();
      afl_ = t.require(0x94).value();
      if (aip_.size() != 2) fail(Errc::parse, "GPO: AIP must be 2 bytes");
    } else {
      fail(Errc::parse, "GPO: unknown response format");
    }
    card_[0x82] = aip_;
  }

  // READ RECORD per AFL (Book 3 §10.2); the records marked for ODA make the static data.
  void read_records() {
    for (const auto& e : dol::parse_afl(afl_)) {
      for (int n = e.first; n <= e.last; ++n) {
        const auto r = send(reader_, {0x00, 0xB2, static_cast<std::uint8_t>(n), static_cast<std::uint8_t>((e.sfi << 3) | 4), {}, 256, false},
                            "READ RECORD");
        const Tlv t = parse_one(r.data);
        if (t.tag() != 0x70) fail(Errc::parse, "READ RECORD: record template 70 expected");
        for (const auto& c : t.children())
          if (!c.is_constructed() && card_.contains(c.tag())) fail(Errc::parse, "READ RECORD: data object read twice");
        collect(t, card_);
        if (n < e.first + e.oda_count) {
          if (e.sfi <= 10)
            append(static_data_, t.value());
          else
            append(static_data_, r.data);
        }
      }
    }
    for (std::uint32_t tag : {0x5A, 0x5F24, 0x8C})
      if (!card_.contains(tag)) fail(Errc::parse, "mandatory data object missing from the records");
  }

  // Book 3 §10.3: CDA if both sides support it, else DDA. For CDA the chain is checked now and the
  // signature at GENERATE AC; DDA signs the DDOL data with INTERNAL AUTHENTICATE here.
  void offline_data_authentication() {
    const bool cda = (aip_[0] & 0x01) && term_.cda_supported;
    const bool dda = !cda && (aip_[0] & 0x20) && term_.dda_supported;
    if (!cda && !dda) {
      set(out_.tvr, tvr::kOdaNotPerformed);
      return;
    }
    const auto failed = cda ? tvr::kCdaFailed : tvr::kDdaFailed;
    if (const auto it = card_.find(0x9F4A); it != card_.end()) {
      if (it->second != Bytes{0x82}) {
        set(out_.tvr, failed);
        return;
      }
      append(static_data_, aip_);
    }
    try {
      icc_key_ = detail::recover_icc_key(card_, term_, out_.aid, static_data_, txn_.date);
      if (dda) dynamic_data_authentication();
      cda_ = cda;
    } catch (const Error& e) {
      if (e.code() == Errc::not_found) set(out_.tvr, tvr::kIccDataMissing);
      set(out_.tvr, failed);
      out_.reason = e.what();
    }
  }

  // Book 2 §6.5.2: INTERNAL AUTHENTICATE with the DDOL data (the card's 9F49, else the default DDOL
  // 9F37 04), the SDAD recovered with the ICC key over that data.
  void dynamic_data_authentication() {
    const auto it = card_.find(0x9F49);
    const Bytes ddol_data = dol_data(it != card_.end() ? it->second : Bytes{0x9F, 0x37, 0x04});
    const auto r = reader_.transmit({0x00, 0x88, 0x00, 0x00, ddol_data, 256, false});
    if (!r.ok()) fail(Errc::crypto, "DDA: INTERNAL AUTHENTICATE answered " + iso7816::sw_name(r.sw));
    const Tlv t = parse_one(r.data);
    const Bytes sdad = t.tag() == 0x80 ? t.value() : t.tag() == 0x77 ? t.require(0x9F4B).value() : Bytes{};
    Bytes dd;
    try {
      dd = crypto::emv::recover_dynamic_data(*icc_key_, sdad, ddol_data);
    } catch (const Error& e) {
      fail(Errc::crypto, std::string("DDA: ") + e.what());
    }
    if (dd.empty() || dd[0] < 2 || dd[0] > 8 || dd.size() < 1u + dd[0]) fail(Errc::crypto, "DDA: malformed ICC dynamic data");
    card_[0x9F4C] = Bytes(dd.begin() + 1, dd.begin() + 1 + dd[0]);
    out_.dda_verified = true;
  }

  void processing_restrictions() {
    const long today = date_value(txn_.date);
    const std::string exp = crypto::emv::bcd_digits(card_.at(0x5F24));
    if (exp.size() != 6) fail(Errc::parse, "application expiration date malformed");
    if (date_value(exp) < today) set(out_.tvr, tvr::kExpired);
    if (const auto it = card_.find(0x5F25); it != card_.end()) {
      const std::string eff = crypto::emv::bcd_digits(it->second);
      if (eff.size() != 6) fail(Errc::parse, "application effective date malformed");
      if (date_value(eff) > today) set(out_.tvr, tvr::kNotYetEffective);
    }
  }

  void terminal_risk_management() {
    if (txn_.amount >= term_.floor_limit) set(out_.tvr, tvr::kFloorLimitExceeded);
  }

  // Book 3 §10.7: TVR & (TAC | IAC) for denial, online and default.
  bool matches(const Bytes& tac, std::uint32_t iac_tag, std::uint8_t iac_absent) const {
    const auto it = card_.find(iac_tag);
    const Bytes iac = it != card_.end() && it->second.size() == 5 ? it->second : Bytes(5, iac_absent);
    for (std::size_t i = 0; i < 5; ++i)
      if (out_.tvr[i] & (tac[i] | iac[i])) return true;
    return false;
  }

  std::uint8_t terminal_action_analysis(bool after_online_failure) const {
    if (matches(term_.tac_denial, 0x9F0E, 0x00)) return kAac;
    if (!after_online_failure && term_.online_capable()) return matches(term_.tac_online, 0x9F0F, 0xFF) ? kArqc : kTc;
    return matches(term_.tac_default, 0x9F0D, 0xFF) ? kAac : kTc;
  }

  struct AcResult {
    std::uint8_t cid = 0;
    Bytes ac;
    bool cda_ok = false;
  };

  AcResult generate_ac(std::uint8_t type, ByteView cdol_data, ByteView prior_cdol_data, bool second) {
    const bool cda = cda_ && type != kAac;
    const auto r = send(reader_, {0x80, 0xAE, static_cast<std::uint8_t>(type | (cda ? 0x10 : 0)), 0x00,
                                  Bytes(cdol_data.begin(), cdol_data.end()), 256, false},
                        "GENERATE AC");
    const Tlv t = parse_one(r.data);
    AcResult res;
    Bytes hash_input = concat({pdol_data_, prior_cdol_data, cdol_data});
    Bytes sdad;
    if (t.tag() == 0x80) {  // format 1: CID || ATC || AC || IAD
      if (t.value().size() < 11) fail(Errc::parse, "GENERATE AC: format 1 too short");
      card_[0x9F27] = Bytes{t.value()[0]};
      card_[0x9F36] = Bytes(t.value().begin() + 1, t.value().begin() + 3);
      card_[0x9F26] = Bytes(t.value().begin() + 3, t.value().begin() + 11);
      card_[0x9F10] = Bytes(t.value().begin() + 11, t.value().end());
    } else if (t.tag() == 0x77) {
      // The hash covers the objects as the card sent them (Book 2 §6.6.1), so take their raw bytes.
      ByteView rest = t.value();
      while (std::any_of(rest.begin(), rest.end(), [](std::uint8_t b) { return b != 0; })) {
        std::size_t used = 0;
        const Tlv c = parse_first(rest, used);
        const ByteView raw = rest.first(used);
        rest = rest.subspan(used);
        if (c.tag() == 0x9F4B) {
          sdad = c.value();
          continue;
        }
        append(hash_input, raw);
        collect(c, card_);
      }
    } else {
      fail(Errc::parse, "GENERATE AC: unknown response format");
    }
    const auto cid_it = card_.find(0x9F27);
    const auto atc_it = card_.find(0x9F36);
    if (cid_it == card_.end() || cid_it->second.size() != 1 || atc_it == card_.end() || atc_it->second.size() != 2)
      fail(Errc::parse, "GENERATE AC: CID or ATC missing");
    res.cid = cid_it->second[0] & 0xC0;
    if (res.cid == 0xC0) fail(Errc::parse, "GENERATE AC: reserved cryptogram type");
    if (second && res.cid == kArqc) fail(Errc::parse, "GENERATE AC: ARQC in the second GENERATE AC");
    out_.atc = get_u16(atc_it->second);
    if (cda && res.cid != kAac) {
      try {
        if (sdad.empty()) fail(Errc::crypto, "CDA: no signed dynamic application data");
        res.ac = detail::verify_cda(*icc_key_, sdad, un_, cid_it->second[0], hash_input);
        res.cda_ok = true;
      } catch (const Error& e) {
        set(out_.tvr, tvr::kCdaFailed);
        out_.reason = e.what();
      }
    } else {
      const auto ac_it = card_.find(0x9F26);
      if (ac_it == card_.end() || ac_it->second.size() != 8) fail(Errc::parse, "GENERATE AC: no cryptogram");
      res.ac = ac_it->second;
    }
    // Book 3 §6.5.5.4: the card may answer a lower cryptogram than asked (AAC < ARQC < TC), never a higher one.
    if (type == kAac && res.cid != kAac) fail(Errc::parse, "GENERATE AC: the card returned more than an AAC");
    if (type == kArqc && res.cid == kTc) fail(Errc::parse, "GENERATE AC: a TC where an ARQC was asked");
    return res;
  }

  void finish(const AcResult& r, bool cda_requested) {
    out_.cid = r.cid;
    out_.cryptogram = r.ac;
    out_.cda_verified = r.cda_ok;
    const bool cda_failed = cda_requested && !r.cda_ok && r.cid != kAac;
    out_.result = (r.cid == kTc && !cda_failed) ? Outcome::Result::approved : Outcome::Result::declined;
    if (cda_failed && out_.reason.empty()) out_.reason = "CDA failed";
  }

  void first_generate_ac() {
    const std::uint8_t type = terminal_action_analysis(false);
    const auto cdol1 = card_.at(0x8C);
    const Bytes cdol1_data = dol_data(cdol1);
    const bool cda_requested = cda_ && type != kAac;
    const auto r = generate_ac(type, cdol1_data, {}, false);
    if (r.cid != kArqc || (cda_requested && !r.cda_ok)) return finish(r, cda_requested);

    // Online (Book 3 §10.9): the issuer verifies the ARQC and answers with an ARC and an ARPC.
    std::optional<AuthorisationResponse> auth;
    if (online_) {
      AuthorisationRequest req;
      req.pan = crypto::emv::bcd_digits(card_.at(0x5A));
      if (const auto it = card_.find(0x5F34); it != card_.end()) req.psn = crypto::emv::bcd_digits(it->second);
      req.atc = out_.atc;
      req.arqc = r.ac;
      req.cdol1_data = cdol1_data;
      req.aip = aip_;
      if (const auto it = card_.find(0x9F10); it != card_.end()) req.iad = it->second;
      req.amount = txn_.amount;
      auth = online_(req);
    }
    std::uint8_t type2 = kAac;
    if (auth) {
      out_.online = true;
      arc_ = auth->arc;
      issuer_auth_data_ = auth->issuer_authentication_data;
      type2 = auth->approved ? kTc : kAac;
    } else {
      // Unable to go online (Book 3 §10.7): default action codes decide; ARC Y3 / Z3.
      type2 = terminal_action_analysis(true);
      arc_ = type2 == kTc ? Bytes{'Y', '3'} : Bytes{'Z', '3'};
    }
    out_.arc = arc_;
    const auto it = card_.find(0x8D);
    if (it == card_.end()) fail(Errc::parse, "CDOL2 missing");
    const auto scripts = auth ? split_scripts(auth->issuer_scripts) : std::vector<Script>{};
    deliver_scripts(scripts, 0x71);  // before the final GENERATE AC: its TVR carries the result
    const Bytes cdol2_data = dol_data(it->second);
    const bool cda2 = cda_ && type2 != kAac;
    const auto r2 = generate_ac(type2, cdol2_data, cdol1_data, true);
    deliver_scripts(scripts, 0x72);
    if (const auto iad = card_.find(0x9F10); iad != card_.end() && iad->second.size() >= 8 && (iad->second[6] & 0x04))
      set(out_.tvr, tvr::kIssuerAuthenticationFailed);
    finish(r2, cda2);
  }

  // Book 3 §10.10: issuer script templates, in the order received.
  struct Script {
    std::uint8_t tag = 0;
    Bytes id = Bytes(4, 0);
    std::vector<Bytes> commands;
    bool malformed = false;
  };

  static std::vector<Script> split_scripts(ByteView field) {
    std::vector<Script> out;
    ByteView rest = field;
    while (!rest.empty()) {
      Script s;
      try {
        std::size_t used = 0;
        const Tlv t = parse_first(rest, used);
        rest = rest.subspan(used);
        if (t.tag() != 0x71 && t.tag() != 0x72) continue;  // not a script: ignored
        s.tag = static_cast<std::uint8_t>(t.tag());
        for (const auto& c : t.children()) {
          if (c.tag() == 0x9F18 && c.value().size() == 4) s.id = c.value();
          else if (c.tag() == 0x86) s.commands.push_back(c.value());
          else s.malformed = true;
        }
      } catch (const Error&) {
        s.tag = 0x71;  // unparseable: counted as a failed script before the final GENERATE AC
        s.malformed = true;
        rest = {};
      }
      out.push_back(std::move(s));
    }
    return out;
  }

  // Each command in turn; the first whose SW1 is not 90, 62 or 63 ends its script (Book 3 §10.10).
  void deliver_scripts(const std::vector<Script>& scripts, std::uint8_t tag) {
    for (const auto& s : scripts) {
      if (s.tag != tag) continue;
      std::uint8_t result = 0x20;  // successful
      if (s.malformed) result = 0x10;
      for (std::size_t i = 0; i < s.commands.size() && result == 0x20; ++i) {
        std::uint16_t sw = 0;
        try {
          const auto r = reader_.transmit(iso7816::CommandApdu::parse(s.commands[i]));
          sw = r.sw;
        } catch (const Error&) {
          sw = 0;  // malformed command or a reader failure: the script fails
        }
        char line[64];
        std::snprintf(line, sizeof line, "%02X #%zu %02X %02X -> %04X", tag, i + 1, s.commands[i].size() > 1 ? s.commands[i][0] : 0,
                      s.commands[i].size() > 1 ? s.commands[i][1] : 0, sw);
        out_.script_log.emplace_back(line);
        const std::uint8_t sw1 = static_cast<std::uint8_t>(sw >> 8);
        if (sw1 != 0x90 && sw1 != 0x62 && sw1 != 0x63) result = static_cast<std::uint8_t>(0x10 | std::min<std::size_t>(i + 1, 15));
      }
      if (result != 0x20) set(out_.tvr, tag == 0x71 ? tvr::kScriptFailedBeforeFinalAc : tvr::kScriptFailedAfterFinalAc);
      out_.issuer_script_results.push_back(result);
      append(out_.issuer_script_results, s.id);
    }
  }

  Reader& reader_;
  const TerminalConfig& term_;
  const Transaction& txn_;
  const OnlineAuthoriser& online_;
  Outcome out_;
  std::map<std::uint32_t, Bytes> card_;
  Bytes un_, pdol_, pdol_data_, aip_, afl_, static_data_, arc_, issuer_auth_data_;
  std::optional<crypto::RsaPublicKey> icc_key_;
  bool cda_ = false;  // CDA chosen and the certificate chain recovered
};

}  // namespace

Outcome run_transaction(Reader& reader, const TerminalConfig& terminal, const Transaction& transaction,
                        const OnlineAuthoriser& online) {
  return Kernel(reader, terminal, transaction, online).run();
}

}  // namespace sesame::host::emv
