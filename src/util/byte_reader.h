// A bounds-checked cursor over outside input. Every read that would run past the end throws
// Error(Errc::parse) naming what was being read, so parsers never index raw spans by hand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "util/bytes.h"
#include "util/error.h"

namespace sesame {

class ByteReader {
 public:
  // `what` names the input in error messages ("BER-TLV", "EF.COM").
  explicit ByteReader(ByteView data, const char* what = "input") : data_(data), what_(what) {}

  std::size_t offset() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  bool empty() const noexcept { return pos_ == data_.size(); }

  std::uint8_t peek() const {
    need(1);
    return data_[pos_];
  }
  std::uint8_t u8() {
    need(1);
    return data_[pos_++];
  }
  std::uint16_t u16() {
    need(2);
    const auto v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  std::uint32_t u24() {
    need(3);
    const std::uint32_t v = (std::uint32_t{data_[pos_]} << 16) | (std::uint32_t{data_[pos_ + 1]} << 8) |
                            data_[pos_ + 2];
    pos_ += 3;
    return v;
  }
  std::uint32_t u32() {
    need(4);
    const std::uint32_t v = (std::uint32_t{data_[pos_]} << 24) | (std::uint32_t{data_[pos_ + 1]} << 16) |
                            (std::uint32_t{data_[pos_ + 2]} << 8) | data_[pos_ + 3];
    pos_ += 4;
    return v;
  }
  std::uint64_t u64() {
    need(8);
    const std::uint64_t v = get_u64(data_, pos_);
    pos_ += 8;
    return v;
  }
  // A view into the underlying buffer; valid as long as that buffer is.
  ByteView bytes(std::size_t n) {
    need(n);
    ByteView v = data_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  ByteView rest() noexcept {
    ByteView v = data_.subspan(pos_);
    pos_ = data_.size();
    return v;
  }
  void skip(std::size_t n) {
    need(n);
    pos_ += n;
  }
  // For formats that must be consumed exactly.
  void expect_end() const {
    if (!empty())
      fail(Errc::parse, std::string(what_) + ": " + std::to_string(remaining()) + " unexpected trailing bytes at offset " +
                            std::to_string(pos_));
  }

 private:
  void need(std::size_t n) const {
    if (n > remaining())
      fail(Errc::parse, std::string(what_) + ": truncated, need " + std::to_string(n) + " bytes at offset " +
                            std::to_string(pos_) + ", " + std::to_string(remaining()) + " left");
  }

  ByteView data_;
  const char* what_;
  std::size_t pos_ = 0;
};

}  // namespace sesame
