// sesamed_main in-process, on a real SQLite state dir holding a tampered card and a card whose
// applet module is missing: sesamed still starts (it lists SEIDs, loading no card), serves the
// demo card through a vpcd slot, stops cleanly on SIGTERM, and runs again in the same process.
#include "server/sesamed_app.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <vector>

#include "broken_cards.h"
#include "server/vpcd_frame.h"
#include "util/hex.h"

namespace sesame::server {
namespace {

// The vpcd end: sesamed dials it.
class Vpcd {
 public:
  Vpcd() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Vpcd() {
    if (conn_ >= 0) ::close(conn_);
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  bool accept_within(int ms) {
    if (conn_ >= 0) ::close(conn_);
    conn_ = -1;
    decoder_ = VpcdFrameDecoder{};
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, ms) != 1) return false;
    conn_ = ::accept(fd_, nullptr, nullptr);
    return conn_ >= 0;
  }
  std::optional<Bytes> exchange(const Bytes& payload, bool answer = true) {
    const Bytes f = encode_vpcd_frame(payload);
    if (::write(conn_, f.data(), f.size()) != static_cast<ssize_t>(f.size())) return std::nullopt;
    if (!answer) return Bytes{};
    for (;;) {
      if (auto p = decoder_.next()) return p->reveal();
      pollfd p{conn_, POLLIN, 0};
      if (::poll(&p, 1, 10000) != 1) return std::nullopt;
      std::uint8_t buf[512];
      const ssize_t n = ::read(conn_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      decoder_.feed(ByteView(buf, static_cast<std::size_t>(n)));
    }
  }

 private:
  int fd_ = -1, conn_ = -1;
  std::uint16_t port_ = 0;
  VpcdFrameDecoder decoder_;
};

int run_sesamed(const std::vector<std::string>& args) {
  std::vector<std::string> store = args;
  std::vector<char*> argv;
  for (auto& a : store) argv.push_back(a.data());
  argv.push_back(nullptr);
  return sesamed_main(static_cast<int>(store.size()), argv.data());
}

TEST(SesamedApp, StartsWithUnloadableCardsServesTheOthersAndRunsTwice) {
  test::BrokenCardsStateDir state;
  Vpcd vpcd;
  const auto config = state.dir() / "sesamed.toml";
  std::ofstream(config) << "[server]\nlog_level = \"warn\"\n[[vpcd]]\naddress = \"127.0.0.1:" << vpcd.port()
                        << "\"\nseid = \"demo\"\n";
  // SIGTERM reaches sesamed's handler once it is installed, which is before the bridge dials.
  for (int run = 0; run < 2; ++run) {
    SCOPED_TRACE("run " + std::to_string(run));
    auto done = std::async(std::launch::async, [&] {
      return run_sesamed({"sesamed", "--config", config.string(), "--state-dir", state.dir().string()});
    });
    ASSERT_TRUE(vpcd.accept_within(20000)) << "sesamed did not start";
    EXPECT_EQ(vpcd.exchange(from_hex("01"), /*answer=*/false), Bytes{});
    const auto atr = vpcd.exchange(from_hex("04"));
    ASSERT_TRUE(atr);
    EXPECT_FALSE(atr->empty());
    const auto r = vpcd.exchange(from_hex("00A4040008F0534553414D4501"));
    ASSERT_TRUE(r);
    EXPECT_EQ(to_hex(*r), "6F0A8408F0534553414D45019000");
    ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
    ASSERT_EQ(done.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    EXPECT_EQ(done.get(), 0);
  }
}

TEST(SesamedApp, ABadRacsAccessTableIsAConfigurationError) {
  test::BrokenCardsStateDir state;
  const auto config = state.dir() / "sesamed.toml";
  std::ofstream(config) << "[server]\nlog_level = \"critical\"\n[racs]\nenabled = true\nport = 1\nacl_dir = \"acl\"\n";
  std::filesystem::create_directory(state.dir() / "acl");
  std::ofstream(state.dir() / "acl" / "users.txt") << "admin all\n";
  std::ofstream(state.dir() / "acl" / "demo.txt") << "F0534553414D4501 maybe 1 admin\n";  // neither yes nor no
  ::testing::internal::CaptureStderr();
  auto done = std::async(std::launch::async, [&] {
    return run_sesamed({"sesamed", "--config", config.string(), "--state-dir", state.dir().string()});
  });
  if (done.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    ::kill(::getpid(), SIGTERM);  // it started after all: stop it so the test can fail instead of hanging
    done.wait();
  }
  const int rc = done.get();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, 2);
  EXPECT_NE(err.find("configuration error: racs access tables:"), std::string::npos) << err;
  EXPECT_NE(err.find("demo.txt:1"), std::string::npos) << err;
}

}  // namespace
}  // namespace sesame::server
