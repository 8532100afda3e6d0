// Supplementary Security Domains and delegated management from the terminal (GP Card Specification
// 2.3 §7, §9.4, Appendix C.4; formats in iso7816/gp_delegated.h):
//  - the ISD owner (card issuer / TSM) puts its token verification key and the receipt key into the
//    ISD (put_token_key, put_receipt_key), creates SSDs (install_security_domain) and moves
//    applications between security domains (extradite);
//  - for a command run by an SSD with the Delegated Management privilege the ISD owner signs a
//    token (make_token) bound to the card (its unique data) and to its next confirmation counter
//    value; the SSD's provider sends it (run_delegated) and hands the receipt back, which the ISD
//    owner checks (verify_receipt) before it trusts that the card did what it authorised.
#pragma once

#include <cstdint>

#include "crypto/ec_key.h"
#include "host/gp/scp03_session.h"
#include "host/reader.h"
#include "iso7816/gp_delegated.h"
#include "util/bytes.h"

namespace sesame::host::gp {

// A0000001515350 / A000000151535041: the card's Security Domain load file and module.
const Bytes& sd_load_file_aid();
const Bytes& sd_module_aid();

// INSTALL [for install and make selectable] of a Security Domain with `privileges` (1 or 3 bytes,
// e.g. 80 SD, A0 SD + Delegated Management, 80 40 00 SD + Authorized Management). Through the ISD.
void install_security_domain(Scp03Session& isd, ByteView sd_aid, ByteView privileges);
// INSTALL [for extradition]: associates `application_aid` with the security domain `sd_aid`.
void extradite(Scp03Session& session, ByteView application_aid, ByteView sd_aid);

// PUT KEY of the ISD owner's token verification key (KVN 70) and of the receipt key (KVN 71,
// encrypted with the session's K-DEK, its key check value checked). P1 00 adds, `replace` replaces.
void put_token_key(Scp03Session& isd, const crypto::EcPublicKey& key, bool replace = false);
void put_receipt_key(Scp03Session& isd, ByteView key, bool replace = false);

// GET DATA '00C2' (selects the ISD first).
std::uint16_t confirmation_counter(Reader& reader);

// One delegated command: P1 P2, its data without the token, the data its receipt covers.
struct DelegatedCommand {
  std::uint8_t ins = 0, p1 = 0, p2 = 0;
  Bytes data_without_token;
  Bytes receipt_data;
};
DelegatedCommand delegated_install(ByteView load_file_aid, ByteView module_aid, ByteView application_aid,
                                   ByteView params = {});
DelegatedCommand delegated_extradition(ByteView application_aid, ByteView sd_aid);
DelegatedCommand delegated_delete(ByteView application_aid);

// The ISD owner's token over `command` for the card with `card_unique_data` (its key
// diversification data) whose confirmation counter will be `next_counter`.
Bytes make_token(const crypto::EcPrivateKey& owner, const DelegatedCommand& command,
                 std::uint16_t next_counter, ByteView card_unique_data);

// Sends the command with its token through the SSD's session. Throws Error(Errc::state) naming the
// status word when the card refuses, Error(Errc::parse) for an answer without a receipt.
iso7816::gp::Confirmation run_delegated(Scp03Session& ssd, const DelegatedCommand& command, ByteView token);

// Throws Error(Errc::crypto) unless the receipt is the receipt key's over this command, for the
// expected counter value and card.
void verify_receipt(ByteView receipt_key, const DelegatedCommand& command,
                    const iso7816::gp::Confirmation& confirmation, std::uint16_t expected_counter,
                    ByteView card_unique_data);

}  // namespace sesame::host::gp
