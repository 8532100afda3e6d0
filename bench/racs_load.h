// The client side of the RACS benchmarks: many persistent mutually authenticated TLS sessions
// multiplexed on one or two client threads (Asio), each with at most one request in flight, driven
// either closed-loop (the next request as soon as the response is in) or paced (one request every
// `pace`, latency counted from the scheduled send time, so a slow server cannot hide queueing
// behind a late send). Bench code only (bench/racs_servers.h has the servers).
#pragma once

#include <algorithm>
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "crypto/tls_context.h"
#include "racs_servers.h"

namespace sesame::bench::racs {

using Clock = std::chrono::steady_clock;

// What one measurement window saw.
struct WindowResult {
  std::uint64_t count = 0;   // responses completed inside the window
  std::uint64_t errors = 0;  // failed exchanges (a failed session stops)
  std::string first_error;
  double p50_us = 0, p99_us = 0, max_us = 0;
  double seconds = 0;      // length of the window
  double client_cpu = 0;   // CPU seconds of the client threads during the window
  double process_cpu = 0;  // CPU seconds of the whole process during the window
  double server_io_cpu = 0;  // CPU seconds of the server's I/O thread(s) (when a clock was given)
};

// One window's shared state. Counters and samples are per client thread (no sharing on the path).
struct Window {
  Clock::time_point measure_from, measure_to;
  Clock::duration pace{0};  // 0: closed loop
  std::vector<std::vector<double>> latency_us;
  std::vector<std::uint64_t> counted;
  std::mutex mu;
  std::condition_variable cv;
  std::size_t active = 0;
  std::uint64_t errors = 0;
  std::string first_error;

  void finished(const std::string& error) {
    std::lock_guard lock(mu);
    if (!error.empty() && errors++ == 0) first_error = error;
    if (--active == 0) cv.notify_all();
  }
};

class ClientSession : public std::enable_shared_from_this<ClientSession> {
 public:
  using Done = std::function<void(const std::string& error)>;

  ClientSession(asio::io_context& io, asio::ssl::context& ssl, std::size_t thread, std::string steady)
      : stream_(io, ssl), timer_(io), thread_(thread), steady_(std::move(steady)) {}

  void open(const tcp::endpoint& ep, Done done) {
    stream_.lowest_layer().async_connect(ep, [self = shared_from_this(), done](const asio::error_code& ec) {
      if (ec) return done("connect: " + ec.message());
      asio::error_code ignored;
      self->stream_.lowest_layer().set_option(tcp::no_delay(true), ignored);
      try {
        crypto::tls_set_peer_host(self->stream_.native_handle(), "127.0.0.1");
      } catch (const std::exception& e) {
        return done(e.what());
      }
      self->stream_.async_handshake(asio::ssl::stream_base::client, [self, done](const asio::error_code& e) {
        done(e ? "handshake: " + e.message() : std::string());
      });
    });
  }

  // Sends `request` (kept alive by the caller until done) and reads one response up to END.
  // Without an expected response set, any "+006 001 ...9000" answer is accepted.
  void exchange(const std::string& request, Done done) {
    asio::async_write(stream_, asio::buffer(request), [self = shared_from_this(), done](const asio::error_code& ec,
                                                                                         std::size_t) {
      if (ec) return done("write: " + ec.message());
      asio::async_read_until(self->stream_, asio::dynamic_buffer(self->in_), "\r\nEND\r\n",
                             [self, done](const asio::error_code& e, std::size_t n) {
                               if (e) return done("read: " + e.message());
                               const bool ok = self->check(std::string_view(self->in_).substr(0, n));
                               std::string bad = ok ? "" : "unexpected response: " + self->in_.substr(0, std::min<std::size_t>(n, 120));
                               if (!self->expected_) self->last_ = self->in_.substr(0, n);  // setup only
                               self->in_.erase(0, n);
                               done(bad);
                             });
    });
  }

  void set_expected(std::shared_ptr<const std::string> e) { expected_ = std::move(e); }
  const std::string& steady_request() const { return steady_; }
  // The last response, kept only while no expected response is set.
  const std::string& last_response() const { return last_; }

  // Requests until the window closes: closed loop, or one per w->pace starting at `first`.
  void run(std::shared_ptr<Window> w, Clock::time_point first) { next(std::move(w), first); }

  void close() {
    asio::error_code ignored;
    stream_.lowest_layer().close(ignored);
  }

 private:
  bool check(std::string_view r) const {
    if (expected_) return r == *expected_;
    constexpr std::string_view head = "BEGIN\r\n+006 001 ", tail = "9000\r\nEND\r\n";
    return r.size() >= head.size() + tail.size() && r.substr(0, head.size()) == head &&
           r.substr(r.size() - tail.size()) == tail;
  }

  void next(std::shared_ptr<Window> w, Clock::time_point scheduled) {
    const auto now = Clock::now();
    if (w->pace == Clock::duration::zero()) {
      if (now >= w->measure_to) return w->finished("");
      return send(std::move(w), now);
    }
    if (scheduled >= w->measure_to) return w->finished("");
    if (scheduled <= now) return send(std::move(w), scheduled);
    timer_.expires_at(scheduled);
    timer_.async_wait([self = shared_from_this(), w = std::move(w), scheduled](const asio::error_code&) mutable {
      self->send(std::move(w), scheduled);
    });
  }

  void send(std::shared_ptr<Window> w, Clock::time_point scheduled) {
    exchange(steady_, [self = shared_from_this(), w, scheduled](const std::string& error) {
      const auto done = Clock::now();
      if (!error.empty()) return w->finished(error);
      if (done >= w->measure_from && done <= w->measure_to) {
        ++w->counted[self->thread_];
        w->latency_us[self->thread_].push_back(std::chrono::duration<double, std::micro>(done - scheduled).count());
      }
      self->next(w, w->pace == Clock::duration::zero() ? done : scheduled + w->pace);
    });
  }

  asio::ssl::stream<tcp::socket> stream_;
  asio::steady_timer timer_;
  std::size_t thread_;
  std::string steady_;
  std::string in_;
  std::string last_;
  std::shared_ptr<const std::string> expected_;
};

// Client threads, each running its own io_context; sessions are spread over them round robin and
// stay on their thread, so nothing on the request path is shared between threads.
class LoadClient {
 public:
  LoadClient(const crypto::TlsContext& tls, int threads)
      : ssl_(static_cast<asio::ssl::context::native_handle_type>(tls.new_reference())) {
    for (int i = 0; i < threads; ++i) {
      ios_.push_back(std::make_unique<asio::io_context>(1));
      guards_.emplace_back(asio::make_work_guard(*ios_.back()));
    }
    for (auto& io : ios_) threads_.emplace_back([io = io.get()] { io->run(); });
  }
  ~LoadClient() {
    for (auto& io : ios_) io->stop();
    for (auto& t : threads_) t.join();
    sets_.clear();  // sockets closed while their io_context is alive
  }
  LoadClient(const LoadClient&) = delete;
  LoadClient& operator=(const LoadClient&) = delete;

  int threads() const { return static_cast<int>(ios_.size()); }

  // Opens one session per entry of `steady` (the request each session repeats), `batch` handshakes
  // at a time; then, if `setup` is not empty, each session sends its setup request once (it must
  // be answered "+006 ... 9000"). Returns the id of the set. std::runtime_error on any failure.
  std::size_t open(std::uint16_t port, const std::vector<std::string>& steady, const std::vector<std::string>& setup,
                   std::size_t batch = 64) {
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    std::vector<std::shared_ptr<ClientSession>> set;
    for (std::size_t i = 0; i < steady.size(); ++i) {
      const std::size_t t = i % ios_.size();
      set.push_back(std::make_shared<ClientSession>(*ios_[t], ssl_, t, steady[i]));
    }
    for (std::size_t from = 0; from < set.size(); from += batch) {
      const std::size_t to = std::min(set.size(), from + batch);
      run_all(set, from, to, [&](ClientSession& s, std::size_t i, ClientSession::Done done) {
        s.open(ep, [&s, &setup, i, done](const std::string& e) {
          if (!e.empty() || setup.empty()) return done(e);
          s.exchange(setup[i], done);
        });
      });
    }
    sets_.push_back(std::move(set));
    return sets_.size() - 1;
  }

  std::size_t size(std::size_t set) const { return sets_.at(set).size(); }

  // Session i of the set sends requests[i] once and must get a "+006 ... 9000" answer (or the
  // expected response, once set). std::runtime_error with the first failure.
  void exchange_all(std::size_t set, const std::vector<std::string>& requests) {
    run_all(sets_.at(set), 0, std::min(requests.size(), sets_[set].size()),
            [&requests](ClientSession& s, std::size_t i, ClientSession::Done done) { s.exchange(requests[i], done); });
  }

  // One request on session 0 of the set; the response text (for the floor to copy).
  std::string sample_response(std::size_t set) {
    run_all(sets_.at(set), 0, 1, [](ClientSession& s, std::size_t, ClientSession::Done done) {
      s.exchange(s.steady_request(), done);
    });
    return sets_[set][0]->last_response();  // read after the wait, which orders it
  }

  // From now on every response of the set must be exactly `r`.
  void set_expected(std::size_t set, const std::string& r) {
    auto e = std::make_shared<const std::string>(r);
    for (auto& s : sets_.at(set)) s->set_expected(e);
  }

  // Runs sessions [0, n) of the set: `warmup`, then a measured window of `measure`; closed loop
  // when pace is zero, else each session sends one request per `pace` (phases spread evenly).
  // `server_io_cpu` (optional) is sampled at the window's edges. Waits until every session has
  // stopped; std::runtime_error if that takes longer than `measure` + 60 s.
  WindowResult run(std::size_t set, std::size_t n, Clock::duration warmup, Clock::duration measure,
                   Clock::duration pace = Clock::duration::zero(), const std::function<double()>& server_io_cpu = {}) {
    auto& sessions = sets_.at(set);
    n = std::min(n, sessions.size());
    auto w = std::make_shared<Window>();
    const auto start = Clock::now() + std::chrono::milliseconds(2);
    w->measure_from = start + warmup;
    w->measure_to = w->measure_from + measure;
    w->pace = pace;
    w->latency_us.resize(ios_.size());
    w->counted.assign(ios_.size(), 0);
    for (auto& v : w->latency_us) v.reserve(1 << 16);
    w->active = n;
    for (std::size_t i = 0; i < n; ++i) {
      const auto first = start + (pace * static_cast<long>(i)) / static_cast<long>(n);
      asio::post(*ios_[i % ios_.size()], [s = sessions[i], w, first] { s->run(w, first); });
    }
    std::this_thread::sleep_until(w->measure_from);
    const double p0 = process_cpu_seconds(), c0 = client_cpu(), s0 = server_io_cpu ? server_io_cpu() : 0;
    std::this_thread::sleep_until(w->measure_to);
    const double p1 = process_cpu_seconds(), c1 = client_cpu(), s1 = server_io_cpu ? server_io_cpu() : 0;
    {
      std::unique_lock lock(w->mu);
      if (!w->cv.wait_for(lock, measure + std::chrono::seconds(60), [&] { return w->active == 0; }))
        throw std::runtime_error("racs bench: sessions did not stop (" + std::to_string(w->active) + " still busy)");
    }
    WindowResult r;
    std::vector<double> all;
    for (std::size_t t = 0; t < ios_.size(); ++t) {
      r.count += w->counted[t];
      all.insert(all.end(), w->latency_us[t].begin(), w->latency_us[t].end());
    }
    std::sort(all.begin(), all.end());
    auto pct = [&](double p) {
      return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<std::size_t>(p * static_cast<double>(all.size())))];
    };
    r.p50_us = pct(0.50);
    r.p99_us = pct(0.99);
    r.max_us = all.empty() ? 0 : all.back();
    r.errors = w->errors;
    r.first_error = w->first_error;
    r.seconds = std::chrono::duration<double>(measure).count();
    r.client_cpu = c1 - c0;
    r.process_cpu = p1 - p0;
    r.server_io_cpu = s1 - s0;
    return r;
  }

  // Closes every session of every set (the servers see the connections end).
  void close_all() {
    for (auto& set : sets_) {
      std::vector<std::shared_ptr<ClientSession>> copy = set;
      run_all(copy, 0, copy.size(), [](ClientSession& s, std::size_t, ClientSession::Done done) {
        s.close();
        done("");
      });
    }
  }

 private:
  double client_cpu() {
    double s = 0;
    for (auto& t : threads_) s += thread_cpu_seconds(t.native_handle());
    return s;
  }

  // Calls fn(session, index, done) on each session's thread for sessions [from, to) and waits for
  // every done; std::runtime_error with the first error.
  template <typename Fn>
  void run_all(std::vector<std::shared_ptr<ClientSession>>& set, std::size_t from, std::size_t to, Fn fn) {
    struct Wait {
      std::mutex mu;
      std::condition_variable cv;
      std::size_t left;
      std::string error;
    };
    auto wait = std::make_shared<Wait>();
    wait->left = to - from;
    for (std::size_t i = from; i < to; ++i) {
      auto s = set[i];
      asio::post(*ios_[i % ios_.size()], [s, i, wait, &fn] {
        fn(*s, i, [s, wait](const std::string& e) {
          std::lock_guard lock(wait->mu);
          if (!e.empty() && wait->error.empty()) wait->error = e;
          if (--wait->left == 0) wait->cv.notify_all();
        });
      });
    }
    std::unique_lock lock(wait->mu);
    if (!wait->cv.wait_for(lock, std::chrono::seconds(120), [&] { return wait->left == 0; }))
      throw std::runtime_error("racs bench: sessions did not answer in 120 s");
    if (!wait->error.empty()) throw std::runtime_error("racs bench: " + wait->error);
  }

  asio::ssl::context ssl_;
  std::vector<std::unique_ptr<asio::io_context>> ios_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
  std::vector<std::vector<std::shared_ptr<ClientSession>>> sets_;
};

}  // namespace sesame::bench::racs
