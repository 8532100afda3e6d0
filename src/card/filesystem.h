// An ISO/IEC 7816-4 file system an applet can embed: MF/DF/EF tree with transparent and
// linear (fixed and variable) record EFs, SFIs, per-operation access conditions, and the
// commands SELECT (by FID, path, DF name), READ BINARY (B0/B1), UPDATE BINARY, READ RECORD,
// UPDATE RECORD and APPEND RECORD. The structure is code (built in the applet's constructor);
// the contents are the applet's persistent records ("fs/<FID>"), so they follow the command's
// transaction. The current DF/EF is per logical channel (session state) and per FileSystem: an
// applet may embed several.
// Simplification: FIDs are unique in the whole tree and SFIs unique within their DF.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "card/applet.h"
#include "iso7816/apdu.h"
#include "util/bytes.h"

namespace sesame::card {

// An access condition: true when the operation is allowed now (e.g. a PIN is validated).
using AccessRule = std::function<bool(AppletContext&)>;
namespace access {
AccessRule always();
AccessRule never();
}  // namespace access

enum class FileKind { df, transparent, linear_fixed, linear_variable };

inline constexpr std::uint16_t kMasterFile = 0x3F00;

struct FileSpec {
  std::uint16_t fid = 0;
  FileKind kind = FileKind::transparent;
  std::uint8_t sfi = 0;           // 1..30; 0 = none
  std::size_t size = 0;           // transparent: file size; linear: (maximum) record size
  std::size_t max_records = 0;    // linear files
  Bytes df_name;                  // DF only: 1..16 bytes, for SELECT P1=04 inside the applet
  AccessRule read = access::always();
  AccessRule update = access::never();
  AccessRule append = access::never();
};

class FileSystem {
 public:
  // With an empty MF (3F00). A copy is the same file system: it shares the current DF/EF.
  FileSystem();

  // Adds `spec` under the DF `parent`. Throws Error(Errc::invalid_argument) for a duplicate or
  // reserved FID (3F00, 3FFF, FFFF), an SFI outside 1..30 or taken in that DF, or a non-DF parent.
  void add(std::uint16_t parent, FileSpec spec);

  // Personalisation and applet-internal access (no access conditions applied).
  Bytes read_binary(const Persistent& p, std::uint16_t fid) const;
  void write_binary(Persistent& p, std::uint16_t fid, ByteView data, std::size_t offset = 0) const;
  std::vector<Bytes> records(const Persistent& p, std::uint16_t fid) const;
  void append_record(Persistent& p, std::uint16_t fid, ByteView record) const;

  // Handles the file system commands; nullopt for any other command. Throws SwError.
  // A SELECT with P1=04 is handled only when it is not the selecting SELECT of the applet.
  std::optional<iso7816::ResponseApdu> process(const iso7816::CommandApdu& apdu, AppletContext& ctx) const;

 private:
  struct Node {
    FileSpec spec;
    std::uint16_t parent = 0;
    std::vector<std::uint16_t> children;
    std::string content_key;  // "fs/<FID hex>", built once
  };
  struct Session;

  Session& session(AppletContext& ctx) const;
  const Node& node(std::uint16_t fid) const;
  const Node* find_child(std::uint16_t df, std::uint16_t fid) const;
  const Node* find_sfi(std::uint16_t df, std::uint8_t sfi) const;
  Bytes fcp(const Node& n, const Persistent& p) const;

  iso7816::ResponseApdu select(const iso7816::CommandApdu& apdu, AppletContext& ctx) const;
  iso7816::ResponseApdu read_binary_cmd(const iso7816::CommandApdu& apdu, AppletContext& ctx) const;
  iso7816::ResponseApdu update_binary_cmd(const iso7816::CommandApdu& apdu, AppletContext& ctx) const;
  iso7816::ResponseApdu read_record_cmd(const iso7816::CommandApdu& apdu, AppletContext& ctx) const;
  iso7816::ResponseApdu update_record_cmd(const iso7816::CommandApdu& apdu, AppletContext& ctx) const;
  iso7816::ResponseApdu append_record_cmd(const iso7816::CommandApdu& apdu, AppletContext& ctx) const;
  const Node& ef_by_sfi_or_current(std::uint8_t sfi, AppletContext& ctx) const;

  std::map<std::uint16_t, Node> nodes_;
  std::uint64_t id_;  // names this file system's session state; unique in the process
};

}  // namespace sesame::card
