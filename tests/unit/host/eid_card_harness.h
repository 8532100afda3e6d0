// A hosted sesame.eid card behind an InProcessReader, for the terminal's tests.
#pragma once

#include <memory>
#include <string>

#include "applets/builtin.h"
#include "applets/eid/eid_applet.h"
#include "card/card_service.h"
#include "crypto/random.h"
#include "host/in_process_reader.h"
#include "store/memory_store.h"
#include "util/hex.h"
#include "util/tlv.h"

namespace sesame::host::eid::testing {

inline constexpr const char* kPin = "123456";
inline constexpr const char* kCan = "500540";
inline constexpr const char* kPuk = "12345678";
inline const Bytes kDg1 = concat({from_hex("615B5F1F58"), Bytes(88, '<')});
inline const Bytes kDg13 = tlv_encode(0x6D, Bytes(700, 0x42));  // several chunks under SM
inline const Bytes kSod = tlv_encode(0x77, Bytes(300, 0x30));

inline Bytes eid_install_params() {
  namespace a = applets::eid;
  auto file = [](std::uint16_t fid, ByteView content) {
    Bytes f;
    put_u16(f, fid);
    return tlv_encode(a::kTagFile, concat({tlv_encode(0x83, f), tlv_encode(0x53, content)}));
  };
  Bytes p;
  append_tlv(p, a::kTagPin, as_bytes(kPin));
  append_tlv(p, a::kTagCan, as_bytes(kCan));
  append_tlv(p, a::kTagPuk, as_bytes(kPuk));
  append_tlv(p, a::kTagMrz, as_bytes("T22000129640812101031"));
  append(p, file(a::kEfCom, from_hex("60145F0104303130375F36063034303030305C06610D6E7577")));
  append(p, file(a::kDg1, kDg1));
  append(p, file(a::kDg13, kDg13));
  append(p, file(a::kEfSod, kSod));
  return p;
}

struct HostedEid {
  card::AppletRegistry registry = applets::builtin_registry();
  std::unique_ptr<store::Store> store = store::open_memory_store(crypto::random_secret(32));
  card::CardService cards{*store, registry};
  std::string seid = cards.create_card({.seid = "eid", .label = ""});
  InProcessReader reader{cards, seid};

  HostedEid() {
    cards.install_applet(seid, applets::eid::kModuleName, applets::eid::module().default_instance_aid,
                         eid_install_params());
    reader.connect();
  }
};

}  // namespace sesame::host::eid::testing
