#include "node/common.h"

#include <cstdio>

namespace stoffel::node {

NodeIo NodeIo::standard() {
  NodeIo io;
  io.out = [](const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  };
  io.err = [](const std::string& line) {
    std::fflush(stdout);
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fputc('\n', stderr);
  };
  return io;
}

Result<std::string> keygen(const std::string& path) {
  auto id = net::Identity::generate();
  if (!id) return id.error();
  if (auto ok = id->save(path); !ok) return ok.error();
  return net::key_hex(id->public_key());
}

namespace detail {

Result<net::Identity> load_identity(const NodeCommon& common) {
  if (common.identity_path) return net::Identity::load(*common.identity_path);
  return net::Identity::generate();
}

net::TlsOptions tls_options(const NodeCommon& common, NodeIo& io) {
  net::TlsOptions o;
  o.log = io.err;
  // A peer may take as long as a whole step of the session to read what we send.
  o.send_timeout = std::max(common.timeout, std::chrono::milliseconds(1000));
  o.linger_timeout = std::min(common.timeout, std::chrono::milliseconds(30'000));
  return o;
}

std::chrono::milliseconds left_until(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? left : std::chrono::milliseconds(0);
}

std::string seconds(std::chrono::milliseconds d) {
  const long long ms = d.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
  return buf;
}

Result<net::Bytes> receive_session(net::Link& link, Clock::time_point deadline,
                                   const std::string& what) {
  const auto start = Clock::now();
  for (;;) {
    auto f = link.receive(kSessionChannel, left_until(deadline));
    if (!f) return make_error(f.error().message + " (while waiting for " + what + ")");
    if (*f) return std::move((*f)->payload);
    if (Clock::now() >= deadline) {
      return make_error(
          "timed out after " +
          seconds(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start)) +
          " waiting for " + what);
    }
  }
}

void refuse(net::Link& link, RefuseCode code, const std::string& reason) {
  (void)link.send(kSessionChannel, encode(Refusal{code, reason}));
  link.finish();
}

}  // namespace detail
}  // namespace stoffel::node
