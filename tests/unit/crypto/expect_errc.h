// expect_errc(Errc::x, [&] { ... }): the call must throw sesame::Error with exactly that code.
#pragma once

#include <gtest/gtest.h>

#include "util/error.h"

namespace sesame::test {

template <typename F>
void expect_errc(Errc code, F&& f) {
  try {
    f();
    ADD_FAILURE() << "expected Error(" << errc_name(code) << "), nothing thrown";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << "got " << errc_name(e.code()) << ": " << e.what();
  }
}

}  // namespace sesame::test
