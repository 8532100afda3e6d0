#include "cli/secret_input.h"

#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "util/error.h"
#include "util/posix_file.h"

namespace sesame::cli {
namespace {

// Ctrl-C at the prompt must not leave the terminal without echo: restore it, then die of the signal.
int g_tty_fd = -1;
termios g_tty_saved{};
extern "C" void restore_tty_and_reraise(int sig) {
  if (g_tty_fd >= 0) ::tcsetattr(g_tty_fd, TCSAFLUSH, &g_tty_saved);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

SecureString take_secret(std::string& s) {
  SecureString out(s.begin(), s.end());
  wipe(s);
  return out;
}

SecureString read_secret_from_tty(const char* prompt, const std::string& without_tty) {
  Fd tty(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (tty.get() < 0) fail(Errc::invalid_argument, "no terminal to ask on: " + without_tty);
  termios old{};
  if (::tcgetattr(tty.get(), &old) != 0) fail(Errc::invalid_argument, "cannot turn the terminal's echo off");
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;
  (void)!::write(tty.get(), prompt, std::strlen(prompt));
  g_tty_fd = tty.get();
  g_tty_saved = old;
  auto* old_int = ::signal(SIGINT, restore_tty_and_reraise);
  auto* old_term = ::signal(SIGTERM, restore_tty_and_reraise);
  ::tcsetattr(tty.get(), TCSAFLUSH, &quiet);
  SecureString secret;
  char c = 0;
  while (::read(tty.get(), &c, 1) == 1 && c != '\n' && secret.size() < 64) secret.push_back(c);
  c = 0;
  ::tcsetattr(tty.get(), TCSAFLUSH, &old);
  ::signal(SIGINT, old_int);
  ::signal(SIGTERM, old_term);
  g_tty_fd = -1;
  return secret;
}

}  // namespace sesame::cli
