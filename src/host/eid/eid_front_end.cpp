#include "host/eid/eid_front_end.h"

#include "iso7816/apdu.h"

namespace sesame::host::eid {

EidHandover take_handover(EidTerminal& terminal) {
  if (!terminal.secure()) fail(Errc::state, "handover: PACE first");
  EidHandover h;
  h.dg14 = terminal.read_file_sfi(0x0E);  // DG14 under PACE secure messaging (the card refuses it in plain)
  SmChannel& channel = *terminal.channel();
  h.k_enc = channel.k_enc();
  h.k_mac = channel.k_mac();
  h.ssc = channel.session().ssc();
  return h;
}

PresentResult relay_commands(Reader& reader, const std::string& tx, BackEndLink& link, Bytes command,
                             std::size_t max_commands) {
  PresentResult result;
  for (;;) {
    if (result.commands_relayed >= max_commands)
      fail(Errc::state, "the back end sent more than " + std::to_string(max_commands) + " commands");
    const iso7816::CommandApdu c = iso7816::CommandApdu::parse(command);
    // The back end continues a secure-messaging session: a plain command (which would end it, or
    // reach the card outside it) is not relayed.
    if ((c.cla & 0x0C) != 0x0C) fail(Errc::state, "the back end sent a command without secure messaging");
    const Bytes response = reader.transmit(c).encode();
    ++result.commands_relayed;
    std::optional<Bytes> next = link.respond(tx, response);
    if (!next) return result;
    command = std::move(*next);
  }
}

PresentResult present_eid(Reader& reader, const PacePassword& password, const std::string& tx,
                          BackEndLink& link, const PresentOptions& options) {
  check_transaction_id(tx);
  EidTerminal terminal(reader);
  terminal.pace(password, options.pace);
  const EidHandover handover = take_handover(terminal);
  const crypto::EcPublicKey key = options.handover_key ? *options.handover_key : link.handover_key();
  const crypto::EcdhEnvelope sealed = seal_handover(key, tx, handover);
  Bytes first = link.start(tx, sealed);
  return relay_commands(reader, tx, link, std::move(first), options.max_commands);
}

}  // namespace sesame::host::eid
