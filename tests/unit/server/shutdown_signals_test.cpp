// SIGINT/SIGTERM: the first asks for a clean stop, a second during shutdown exits at once with
// 128 + signo (checked in a forked child: the exit must not take the test binary with it).
#include "server/shutdown_signals.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <thread>

namespace sesame::server {
namespace {

using namespace std::chrono_literals;

TEST(ShutdownSignals, FirstSignalAsksForAStopAndTheDispositionComesBack) {
  struct sigaction before {};
  ASSERT_EQ(::sigaction(SIGTERM, nullptr, &before), 0);
  int got = 0;
  {
    asio::io_context io;
    ShutdownSignals s(io, [&](int signo) { got = signo; });
    ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
    io.run_for(5s);  // returns when the handler ran: nothing else is pending
  }
  EXPECT_EQ(got, SIGTERM);
  struct sigaction after {};
  ASSERT_EQ(::sigaction(SIGTERM, nullptr, &after), 0);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
}

// In the child: a shutdown that never finishes, then a second signal.
void second_signal_during_a_hung_shutdown(int signo) {
  asio::io_context io;
  std::atomic<bool> first{false};
  ShutdownSignals s(io, [&](int) { first = true; });
  std::thread loop([&] {
    auto work = asio::make_work_guard(io);
    io.run();
  });
  ::kill(::getpid(), signo);
  for (int i = 0; i < 500 && !first; ++i) std::this_thread::sleep_for(10ms);
  ::kill(::getpid(), signo);
  std::this_thread::sleep_for(5s);
  std::_Exit(0);  // not reached when the second signal exits at once
}

TEST(ShutdownSignalsDeathTest, ASecondSignalExitsAtOnce) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(second_signal_during_a_hung_shutdown(SIGTERM), ::testing::ExitedWithCode(143), "second signal");
  EXPECT_EXIT(second_signal_during_a_hung_shutdown(SIGINT), ::testing::ExitedWithCode(130), "second signal");
}

}  // namespace
}  // namespace sesame::server
