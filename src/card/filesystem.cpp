#include "card/filesystem.h"

#include <algorithm>
#include <atomic>

#include "iso7816/status_word.h"
#include "util/byte_reader.h"
#include "util/error.h"
#include "util/hex.h"
#include "util/tlv.h"

namespace sesame::card {
namespace {

using iso7816::CommandApdu;
using iso7816::ResponseApdu;
using iso7816::Sw;
using iso7816::throw_sw;

Bytes fid_bytes(std::uint16_t fid) {
  Bytes b;
  put_u16(b, fid);
  return b;
}

std::string content_key(std::uint16_t fid) { return "fs/" + to_hex(fid_bytes(fid)); }

std::uint64_t next_file_system_id() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

bool is_record(FileKind k) { return k == FileKind::linear_fixed || k == FileKind::linear_variable; }

// Le=00 (short) or 0000 (extended) asks for "everything up to the maximum" (ISO/IEC 7816-4
// §11.3.3): reaching the end of the file then is no warning.
bool ne_is_max(const CommandApdu& a) { return a.ne == 256 || a.ne == 65536; }

Bytes encode_records(const std::vector<Bytes>& recs) {
  Bytes out;
  for (const auto& r : recs) {
    put_u16(out, static_cast<std::uint16_t>(r.size()));
    append(out, r);
  }
  return out;
}

// The stored form of a record EF: each record as a 2-byte length and its bytes. The record was
// sealed by the store, so a malformed one means the store is broken: integrity, not parse.
std::vector<Bytes> decode_records(ByteView b) {
  std::vector<Bytes> out;
  try {
    ByteReader r(b, "record file content");
    while (!r.empty()) {
      const ByteView rec = r.bytes(r.u16());
      out.emplace_back(rec.begin(), rec.end());
    }
  } catch (const Error&) {
    fail(Errc::integrity, "record file content truncated");
  }
  return out;
}

void require(bool allowed) {
  if (!allowed) throw_sw(Sw::security_status_not_satisfied);
}

}  // namespace

namespace access {
AccessRule always() {
  return [](AppletContext&) { return true; };
}
AccessRule never() {
  return [](AppletContext&) { return false; };
}
}  // namespace access

struct FileSystem::Session {
  std::uint16_t current_df = kMasterFile;
  std::optional<std::uint16_t> current_ef;
};

FileSystem::FileSystem() : id_(next_file_system_id()) {
  Node mf;
  mf.spec.fid = kMasterFile;
  mf.spec.kind = FileKind::df;
  mf.spec.read = access::always();
  nodes_.emplace(kMasterFile, std::move(mf));
}

void FileSystem::add(std::uint16_t parent, FileSpec spec) {
  auto p = nodes_.find(parent);
  if (p == nodes_.end() || p->second.spec.kind != FileKind::df) fail(Errc::invalid_argument, "file system: parent is not a DF");
  if (spec.fid == kMasterFile || spec.fid == 0x3FFF || spec.fid == 0xFFFF || nodes_.contains(spec.fid))
    fail(Errc::invalid_argument, "file system: FID reserved or taken");
  if (spec.sfi > 30) fail(Errc::invalid_argument, "file system: SFI outside 1..30");
  if (spec.sfi && find_sfi(parent, spec.sfi)) fail(Errc::invalid_argument, "file system: SFI taken in this DF");
  if (spec.kind == FileKind::df && spec.df_name.size() > 16) fail(Errc::invalid_argument, "file system: DF name above 16 bytes");
  if (is_record(spec.kind) && (spec.size == 0 || spec.size > 0xFFFF || spec.max_records == 0 || spec.max_records > 254))
    fail(Errc::invalid_argument, "file system: record size 1..65535 and 1..254 records");
  if (spec.kind == FileKind::transparent && spec.size > 0x7FFF) fail(Errc::invalid_argument, "file system: EF above 32767 bytes");
  p->second.children.push_back(spec.fid);
  Node n;
  n.parent = parent;
  n.content_key = content_key(spec.fid);
  const auto fid = spec.fid;
  n.spec = std::move(spec);
  nodes_.emplace(fid, std::move(n));
}

FileSystem::Session& FileSystem::session(AppletContext& ctx) const { return ctx.session<Session>(id_); }

const FileSystem::Node& FileSystem::node(std::uint16_t fid) const {
  auto it = nodes_.find(fid);
  if (it == nodes_.end()) fail(Errc::internal, "file system: unknown FID");
  return it->second;
}

const FileSystem::Node* FileSystem::find_child(std::uint16_t df, std::uint16_t fid) const {
  const auto& d = node(df);
  for (auto c : d.children)
    if (c == fid) return &node(c);
  return nullptr;
}

const FileSystem::Node* FileSystem::find_sfi(std::uint16_t df, std::uint8_t sfi) const {
  for (auto c : node(df).children) {
    const auto& n = node(c);
    if (n.spec.kind != FileKind::df && n.spec.sfi == sfi) return &n;
  }
  return nullptr;
}

Bytes FileSystem::read_binary(const Persistent& p, std::uint16_t fid) const {
  const auto& n = node(fid);
  if (n.spec.kind != FileKind::transparent) fail(Errc::invalid_argument, "file system: not a transparent EF");
  const SecureBytes* v = p.view(n.content_key);
  Bytes out = v ? v->reveal() : Bytes{};
  out.resize(n.spec.size, 0x00);  // never written: erased content
  return out;
}

void FileSystem::write_binary(Persistent& p, std::uint16_t fid, ByteView data, std::size_t offset) const {
  Bytes content = read_binary(p, fid);
  if (offset > content.size() || content.size() - offset < data.size()) fail(Errc::invalid_argument, "file system: write past end of EF");
  std::copy(data.begin(), data.end(), content.begin() + static_cast<std::ptrdiff_t>(offset));
  p.put(node(fid).content_key, ByteView(content));
}

std::vector<Bytes> FileSystem::records(const Persistent& p, std::uint16_t fid) const {
  const Node& n = node(fid);
  if (!is_record(n.spec.kind)) fail(Errc::invalid_argument, "file system: not a record EF");
  const SecureBytes* v = p.view(n.content_key);
  return v ? decode_records(v->view()) : std::vector<Bytes>{};
}

void FileSystem::append_record(Persistent& p, std::uint16_t fid, ByteView record) const {
  const Node& n = node(fid);
  const auto& s = n.spec;
  auto recs = records(p, fid);
  const bool size_ok = s.kind == FileKind::linear_fixed ? record.size() == s.size : !record.empty() && record.size() <= s.size;
  if (!size_ok || recs.size() >= s.max_records) fail(Errc::invalid_argument, "file system: record does not fit");
  recs.emplace_back(record.begin(), record.end());
  p.put(n.content_key, ByteView(encode_records(recs)));
}

Bytes FileSystem::fcp(const Node& n, const Persistent& p) const {
  Bytes inner;
  switch (n.spec.kind) {
    case FileKind::df:
      append_tlv(inner, 0x82, Bytes{0x38});
      break;
    case FileKind::transparent: {
      append_tlv(inner, 0x82, Bytes{0x01});
      Bytes size;
      put_u16(size, static_cast<std::uint16_t>(n.spec.size));
      append_tlv(inner, 0x80, size);
      break;
    }
    case FileKind::linear_fixed:
    case FileKind::linear_variable: {
      // ISO/IEC 7816-4 Table 12: descriptor, data coding byte, maximum record size, number of records.
      Bytes d{static_cast<std::uint8_t>(n.spec.kind == FileKind::linear_fixed ? 0x02 : 0x04), 0x21};
      put_u16(d, static_cast<std::uint16_t>(n.spec.size));
      d.push_back(static_cast<std::uint8_t>(records(p, n.spec.fid).size()));
      append_tlv(inner, 0x82, d);
      break;
    }
    default:
      fail(Errc::internal, "file system: unknown file kind");
  }
  append_tlv(inner, 0x83, fid_bytes(n.spec.fid));
  if (n.spec.kind == FileKind::df && !n.spec.df_name.empty()) append_tlv(inner, 0x84, n.spec.df_name);
  if (n.spec.sfi) append_tlv(inner, 0x88, Bytes{static_cast<std::uint8_t>(n.spec.sfi << 3)});
  append_tlv(inner, 0x8A, Bytes{0x05});  // life cycle status: operational, activated
  return inner;
}

std::optional<ResponseApdu> FileSystem::process(const CommandApdu& apdu, AppletContext& ctx) const {
  if (apdu.cla & 0x80) return std::nullopt;  // these are interindustry commands only
  switch (apdu.ins) {
    case 0xA4:
      if (apdu.p1 == 0x04 && ctx.selecting()) return std::nullopt;
      return select(apdu, ctx);
    case 0xB0:
    case 0xB1:
      return read_binary_cmd(apdu, ctx);
    case 0xD6:
      return update_binary_cmd(apdu, ctx);
    case 0xB2:
      return read_record_cmd(apdu, ctx);
    case 0xDC:
      return update_record_cmd(apdu, ctx);
    case 0xE2:
      return append_record_cmd(apdu, ctx);
    default:
      return std::nullopt;
  }
}

ResponseApdu FileSystem::select(const CommandApdu& apdu, AppletContext& ctx) const {
  auto& s = session(ctx);
  // P2 (ISO/IEC 7816-4 Table 40): b2b1 first occurrence only, b4b3 response type.
  if ((apdu.p2 & 0xF3) != 0) throw_sw(Sw::incorrect_p1p2);
  const ByteView d = apdu.data;
  auto fid_at = [&](std::size_t i) { return get_u16(d, i); };
  const Node* found = nullptr;
  switch (apdu.p1) {
    case 0x00:
      if (d.empty() || (d.size() == 2 && fid_at(0) == kMasterFile)) {
        found = &node(kMasterFile);
        break;
      }
      if (d.size() != 2) throw_sw(Sw::wrong_length);
      // Children of the current DF, the current DF itself, its parent, then the parent's children.
      if (!(found = find_child(s.current_df, fid_at(0)))) {
        const Node& cur = node(s.current_df);
        if (cur.spec.fid == fid_at(0)) found = &cur;
        else if (s.current_df != kMasterFile && cur.parent == fid_at(0)) found = &node(cur.parent);
        else if (s.current_df != kMasterFile) found = find_child(cur.parent, fid_at(0));
      }
      break;
    case 0x01:
    case 0x02:
      if (d.size() != 2) throw_sw(Sw::wrong_length);
      found = find_child(s.current_df, fid_at(0));
      if (found && (found->spec.kind == FileKind::df) != (apdu.p1 == 0x01)) found = nullptr;
      break;
    case 0x03:
      if (!d.empty()) throw_sw(Sw::wrong_length);
      if (s.current_df != kMasterFile) found = &node(node(s.current_df).parent);
      break;
    case 0x04:
      if (d.empty() || d.size() > 16) throw_sw(Sw::file_not_found);
      for (const auto& [fid, n] : nodes_)
        if (n.spec.kind == FileKind::df && !n.spec.df_name.empty() && std::equal(d.begin(), d.end(), n.spec.df_name.begin(), n.spec.df_name.end())) found = &n;
      break;
    case 0x08:
    case 0x09: {
      if (d.empty() || d.size() % 2) throw_sw(Sw::wrong_length);
      std::uint16_t at = apdu.p1 == 0x08 ? kMasterFile : s.current_df;
      for (std::size_t i = 0; i < d.size(); i += 2) {
        const Node& cur = node(at);
        found = cur.spec.kind == FileKind::df ? find_child(at, fid_at(i)) : nullptr;
        if (!found) break;
        at = found->spec.fid;
      }
      break;
    }
    default:
      throw_sw(Sw::incorrect_p1p2);
  }
  if (!found) throw_sw(Sw::file_not_found);
  if (found->spec.kind == FileKind::df) {
    s.current_df = found->spec.fid;
    s.current_ef.reset();
  } else {
    s.current_df = found->parent;
    s.current_ef = found->spec.fid;
  }
  ResponseApdu r;
  switch (apdu.p2 & 0x0C) {
    case 0x00:
      r.data = tlv_encode(0x6F, fcp(*found, ctx.persistent()));  // FCI: the FCP objects in '6F'
      break;
    case 0x04:
      r.data = tlv_encode(0x62, fcp(*found, ctx.persistent()));
      break;
    case 0x08:
      r.data = tlv_encode(0x64, {});  // no file management data
      break;
    default:
      break;
  }
  return r;
}

const FileSystem::Node& FileSystem::ef_by_sfi_or_current(std::uint8_t sfi, AppletContext& ctx) const {
  auto& s = session(ctx);
  if (sfi == 0) {
    if (!s.current_ef) throw_sw(Sw::command_not_allowed_no_current_ef);
    return node(*s.current_ef);
  }
  const Node* n = find_sfi(s.current_df, sfi);
  if (!n) throw_sw(Sw::file_not_found);
  s.current_ef = n->spec.fid;  // referencing by SFI makes the EF current (ISO/IEC 7816-4 §7.2.2)
  return *n;
}

ResponseApdu FileSystem::read_binary_cmd(const CommandApdu& apdu, AppletContext& ctx) const {
  if (apdu.ne == 0) throw_sw(Sw::wrong_length);
  const Node* n = nullptr;
  std::size_t offset = 0;
  if (apdu.ins == 0xB0) {
    if (!apdu.data.empty()) throw_sw(Sw::wrong_length);
    if (apdu.p1 & 0x80) {
      if (apdu.p1 & 0x60) throw_sw(Sw::incorrect_p1p2);
      n = &ef_by_sfi_or_current(apdu.p1 & 0x1F, ctx);
      offset = apdu.p2;
    } else {
      n = &ef_by_sfi_or_current(0, ctx);
      offset = (std::size_t{apdu.p1} << 8) | apdu.p2;
    }
  } else {
    // Odd INS (ISO/IEC 7816-4 §11.3.3): P1-P2 = FID (0000: current EF) or an SFI in b5..b1;
    // the offset is data object '54'.
    const std::uint16_t p1p2 = static_cast<std::uint16_t>((apdu.p1 << 8) | apdu.p2);
    if (p1p2 == 0) {
      n = &ef_by_sfi_or_current(0, ctx);
    } else if ((p1p2 & 0xFFE0) == 0) {
      n = &ef_by_sfi_or_current(static_cast<std::uint8_t>(p1p2 & 0x1F), ctx);
    } else {
      n = find_child(session(ctx).current_df, p1p2);
      if (!n || n->spec.kind == FileKind::df) throw_sw(Sw::file_not_found);
      session(ctx).current_ef = n->spec.fid;
    }
    Tlv offset_do;
    try {
      offset_do = parse_one(apdu.data);
    } catch (const Error&) {
      throw_sw(Sw::incorrect_data);
    }
    const Bytes& o = offset_do.value();
    if (offset_do.tag() != 0x54 || o.empty() || o.size() > 3) throw_sw(Sw::incorrect_data);
    for (auto b : o) offset = (offset << 8) | b;
  }
  if (n->spec.kind != FileKind::transparent) throw_sw(Sw::command_incompatible_with_file);
  require(n->spec.read(ctx));
  const std::size_t size = n->spec.size;
  if (offset > size) throw_sw(Sw::wrong_p1p2);
  const std::size_t avail = size - offset;
  ResponseApdu r;
  std::size_t take = std::min(avail, apdu.ne);
  if (apdu.ins == 0xB1) {
    // '53' header: 2, 3 or 4 bytes, all within Ne.
    take = std::min(avail, apdu.ne >= 2 ? apdu.ne - 2 : 0);
    if (take >= 0x80) take = std::min(avail, apdu.ne - 3);
    if (take >= 0x100) take = std::min(avail, apdu.ne - 4);
  }
  // The requested part straight from the record (no copy of the whole file); bytes never written
  // read as 00. Two bytes of room are left for the status word the runtime appends.
  Bytes part;
  part.reserve(take + 2);
  const SecureBytes* stored = ctx.persistent().view(n->content_key);
  const ByteView content = stored ? stored->view().first(std::min(stored->size(), size)) : ByteView{};
  if (offset < content.size()) {
    const ByteView from = content.subspan(offset, std::min(take, content.size() - offset));
    part.assign(from.begin(), from.end());
  }
  part.resize(take, 0x00);
  r.data = apdu.ins == 0xB1 ? tlv_encode(0x53, part) : std::move(part);
  if (r.data.size() < apdu.ne && !ne_is_max(apdu)) r.sw = iso7816::sw_value(Sw::warning_end_of_file);
  return r;
}

ResponseApdu FileSystem::update_binary_cmd(const CommandApdu& apdu, AppletContext& ctx) const {
  if (apdu.data.empty()) throw_sw(Sw::wrong_length);
  const Node* n;
  std::size_t offset;
  if (apdu.p1 & 0x80) {
    if (apdu.p1 & 0x60) throw_sw(Sw::incorrect_p1p2);
    n = &ef_by_sfi_or_current(apdu.p1 & 0x1F, ctx);
    offset = apdu.p2;
  } else {
    n = &ef_by_sfi_or_current(0, ctx);
    offset = (std::size_t{apdu.p1} << 8) | apdu.p2;
  }
  if (n->spec.kind != FileKind::transparent) throw_sw(Sw::command_incompatible_with_file);
  require(n->spec.update(ctx));
  if (offset > n->spec.size) throw_sw(Sw::wrong_p1p2);
  if (n->spec.size - offset < apdu.data.size()) throw_sw(Sw::not_enough_memory);
  write_binary(ctx.persistent(), n->spec.fid, apdu.data, offset);
  return {};
}

ResponseApdu FileSystem::read_record_cmd(const CommandApdu& apdu, AppletContext& ctx) const {
  // P2 (ISO/IEC 7816-4 Table 49): b8..b4 SFI, b3..b1 = 100 "record number P1".
  if ((apdu.p2 & 0x07) != 0x04 || (apdu.p2 >> 3) == 0x1F) throw_sw(Sw::incorrect_p1p2);
  if (!apdu.data.empty() || apdu.ne == 0) throw_sw(Sw::wrong_length);
  const Node& n = ef_by_sfi_or_current(static_cast<std::uint8_t>(apdu.p2 >> 3), ctx);
  if (!is_record(n.spec.kind)) throw_sw(Sw::command_incompatible_with_file);
  require(n.spec.read(ctx));
  const auto recs = records(ctx.persistent(), n.spec.fid);
  if (apdu.p1 == 0 || apdu.p1 > recs.size()) throw_sw(Sw::record_not_found);
  const Bytes& rec = recs[apdu.p1 - 1];
  if (rec.size() > apdu.ne) {
    if (rec.size() > 256) throw_sw(Sw::wrong_length);
    throw_sw(iso7816::sw_wrong_le(static_cast<std::uint8_t>(rec.size())));
  }
  ResponseApdu r{rec, 0x9000};
  if (rec.size() < apdu.ne && !ne_is_max(apdu)) r.sw = iso7816::sw_value(Sw::warning_end_of_file);
  return r;
}

ResponseApdu FileSystem::update_record_cmd(const CommandApdu& apdu, AppletContext& ctx) const {
  if ((apdu.p2 & 0x07) != 0x04 || (apdu.p2 >> 3) == 0x1F) throw_sw(Sw::incorrect_p1p2);
  const Node& n = ef_by_sfi_or_current(static_cast<std::uint8_t>(apdu.p2 >> 3), ctx);
  if (!is_record(n.spec.kind)) throw_sw(Sw::command_incompatible_with_file);
  require(n.spec.update(ctx));
  auto recs = records(ctx.persistent(), n.spec.fid);
  if (apdu.p1 == 0 || apdu.p1 > recs.size()) throw_sw(Sw::record_not_found);
  const bool size_ok = n.spec.kind == FileKind::linear_fixed ? apdu.data.size() == n.spec.size
                                                              : !apdu.data.empty() && apdu.data.size() <= n.spec.size;
  if (!size_ok) throw_sw(Sw::wrong_length);
  recs[apdu.p1 - 1] = apdu.data;
  ctx.persistent().put(n.content_key, ByteView(encode_records(recs)));
  return {};
}

ResponseApdu FileSystem::append_record_cmd(const CommandApdu& apdu, AppletContext& ctx) const {
  if (apdu.p1 != 0 || (apdu.p2 & 0x07) != 0 || (apdu.p2 >> 3) == 0x1F) throw_sw(Sw::incorrect_p1p2);
  const Node& n = ef_by_sfi_or_current(static_cast<std::uint8_t>(apdu.p2 >> 3), ctx);
  if (!is_record(n.spec.kind)) throw_sw(Sw::command_incompatible_with_file);
  require(n.spec.append(ctx));
  const bool size_ok = n.spec.kind == FileKind::linear_fixed ? apdu.data.size() == n.spec.size
                                                              : !apdu.data.empty() && apdu.data.size() <= n.spec.size;
  if (!size_ok) throw_sw(Sw::wrong_length);
  if (records(ctx.persistent(), n.spec.fid).size() >= n.spec.max_records) throw_sw(Sw::not_enough_memory);
  append_record(ctx.persistent(), n.spec.fid, apdu.data);
  return {};
}

}  // namespace sesame::card
