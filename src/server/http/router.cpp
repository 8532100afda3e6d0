#include "server/http/router.h"

#include <spdlog/spdlog.h>

namespace sesame::server::http {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t pos = 1;  // after the leading '/'
  while (pos <= path.size()) {
    const std::size_t slash = path.find('/', pos);
    const std::size_t end = slash == std::string::npos ? path.size() : slash;
    out.push_back(path.substr(pos, end - pos));
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  if (!out.empty() && out.back().empty()) out.pop_back();  // "/a/" as "/a"
  return out;
}

void Router::add(std::string method, const std::string& pattern, Handler handler) {
  routes_.push_back(Route{std::move(method), split_path(pattern), std::move(handler)});
}

Response Router::dispatch(const Request& request, const Peer& peer) const {
  const std::vector<std::string> segs = split_path(request.path);
  std::string allow;
  for (const Route& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    PathParams params;
    bool match = true;
    for (std::size_t i = 0; i < segs.size() && match; ++i) {
      const std::string& p = r.segments[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        if (segs[i].empty()) match = false;
        else params[p.substr(1, p.size() - 2)] = segs[i];
      } else {
        match = p == segs[i];
      }
    }
    if (!match) continue;
    if (r.method != request.method) {
      allow += (allow.empty() ? "" : ", ") + r.method;
      continue;
    }
    try {
      return r.handler(request, peer, params);
    } catch (const std::exception& e) {
      spdlog::error("http {} {}: {}", request.method, request.path, e.what());
    } catch (...) {
      spdlog::error("http {} {}: unknown exception", request.method, request.path);
    }
    return Response::problem(500, "the request could not be processed");
  }
  if (!allow.empty()) {
    Response r = Response::problem(405, "this resource answers " + allow);
    r.headers["Allow"] = allow;
    return r;
  }
  return Response::problem(404, "no resource at this path");
}

}  // namespace sesame::server::http
