#include "card/pin.h"

#include <algorithm>
#include <map>

#include "iso7816/status_word.h"
#include "util/error.h"

namespace sesame::card {
namespace {

using iso7816::Sw;
using iso7816::throw_sw;

struct PinSession {
  std::map<std::string, bool> validated;
};

}  // namespace

PinObject::PinObject(std::string name, PinPolicy policy)
    : value_key_(name + ".value"), tries_key_(name + ".tries"), name_(std::move(name)), policy_(policy) {
  if (policy_.min_length == 0 || policy_.min_length > policy_.max_length || policy_.max_length > kMaxPinLength)
    fail(Errc::invalid_argument, "PIN policy: lengths must satisfy 1 <= min <= max <= 16");
  if (policy_.try_limit == 0 || policy_.try_limit > 15) fail(Errc::invalid_argument, "PIN policy: try limit must be 1..15");
}

bool PinObject::conforms(ByteView value) const {
  if (value.size() < policy_.min_length || value.size() > policy_.max_length) return false;
  if (policy_.digits_only)
    for (auto c : value)
      if (c < '0' || c > '9') return false;
  return true;
}

SecureBytes PinObject::padded(ByteView value) const {
  // length || value || FF.. : always 1 + kMaxPinLength bytes, so comparison time is constant.
  SecureBytes out(1 + kMaxPinLength);
  out.data()[0] = static_cast<std::uint8_t>(value.size());
  for (std::size_t i = 0; i < kMaxPinLength; ++i) out.data()[1 + i] = i < value.size() ? value[i] : 0xFF;
  return out;
}

bool PinObject::is_set(const Persistent& p) const { return p.contains(value_key_) && p.contains(tries_key_); }

std::uint8_t PinObject::tries_left(const Persistent& p) const {
  auto t = p.get(tries_key_);
  if (!t || t->size() != 1) return 0;
  return std::min(t->data()[0], policy_.try_limit);
}

void PinObject::set(Persistent& p, ByteView value) const {
  if (!conforms(value)) throw_sw(Sw::incorrect_data);
  p.put(value_key_, padded(value));
  p.put(tries_key_, SecureBytes{policy_.try_limit});
}

bool PinObject::validated(AppletContext& ctx) const {
  auto& v = ctx.session<PinSession>().validated;
  auto it = v.find(name_);
  return it != v.end() && it->second;
}

void PinObject::invalidate(AppletContext& ctx) const { ctx.session<PinSession>().validated[name_] = false; }

void PinObject::verify(AppletContext& ctx, ByteView candidate) const {
  Persistent& p = ctx.persistent();
  if (!is_set(p)) throw_sw(Sw::reference_data_not_usable);
  const std::uint8_t tries = tries_left(p);
  if (tries == 0) {
    invalidate(ctx);
    throw_sw(Sw::authentication_method_blocked);
  }
  if (!conforms(candidate)) throw_sw(Sw::incorrect_data);
  invalidate(ctx);
  // Anti-tearing: the decremented counter is on disk before the comparison happens.
  p.put_now(tries_key_, SecureBytes{static_cast<std::uint8_t>(tries - 1)});
  const auto stored = p.get(value_key_);
  const bool match = stored && secure_equal(stored->view(), padded(candidate).view());
  if (!match) throw_sw(iso7816::sw_tries_left(static_cast<std::uint8_t>(tries - 1)));
  p.put_now(tries_key_, SecureBytes{policy_.try_limit});
  ctx.session<PinSession>().validated[name_] = true;
}

std::uint16_t PinObject::status(AppletContext& ctx) const {
  Persistent& p = ctx.persistent();
  if (!is_set(p)) return iso7816::sw_value(Sw::reference_data_not_usable);
  const std::uint8_t tries = tries_left(p);
  if (tries == 0) return iso7816::sw_value(Sw::authentication_method_blocked);
  if (validated(ctx)) return iso7816::sw_value(Sw::ok);
  return iso7816::sw_tries_left(tries);
}

void PinObject::change(AppletContext& ctx, ByteView old_value, ByteView new_value) const {
  if (!conforms(new_value)) throw_sw(Sw::incorrect_data);
  verify(ctx, old_value);
  ctx.persistent().put(value_key_, padded(new_value));
}

void PinObject::reset(AppletContext& ctx, std::optional<ByteView> new_value) const {
  Persistent& p = ctx.persistent();
  if (new_value) {
    if (!conforms(*new_value)) throw_sw(Sw::incorrect_data);
    p.put(value_key_, padded(*new_value));
  } else if (!is_set(p)) {
    throw_sw(Sw::reference_data_not_usable);
  }
  p.put(tries_key_, SecureBytes{policy_.try_limit});
  invalidate(ctx);
}

}  // namespace sesame::card
