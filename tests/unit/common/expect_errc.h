// Test helpers for sesame::Error codes, shared by every module's tests.
//   expect_errc(Errc::x, [&] { ... });   the call must throw sesame::Error with exactly that code
//   EXPECT_EQ(error_code_of([&] { ... }), Errc::x);   the code thrown (a failure if none is)
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

// Errc::internal (and a test failure) when nothing is thrown.
template <typename F>
Errc error_code_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no sesame::Error thrown";
  return Errc::internal;
}

}  // namespace sesame::test
