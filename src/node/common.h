// Helpers shared by the roles of src/node (internal to the layer).
#pragma once

#include <chrono>
#include <string>

#include "net/identity.h"
#include "net/tls.h"
#include "node/node.h"
#include "node/wire.h"

namespace stoffel::node::detail {

using Clock = std::chrono::steady_clock;

// Bound on one step of a handshake with a peer that is already connected (a hello, a proof):
// a stalled or hostile peer holds nothing up for longer.
inline constexpr std::chrono::milliseconds kStepTimeout{10'000};

// The --identity key, or a fresh one for this run.
Result<net::Identity> load_identity(const NodeCommon& common);

// TLS settings of every role; log lines go to io.err.
net::TlsOptions tls_options(const NodeCommon& common, NodeIo& io);

std::chrono::milliseconds left_until(Clock::time_point deadline);

// The next session message on `link`, waiting until `deadline`. Errors say what was awaited
// ("timed out after 10 s waiting for the roster from the bootnode at h:p") or why the link
// closed.
Result<net::Bytes> receive_session(net::Link& link, Clock::time_point deadline,
                                   const std::string& what);

// "12.5 s" for messages.
std::string seconds(std::chrono::milliseconds d);

// Sends REFUSED and ends the link in order (so the refusal arrives before the close).
void refuse(net::Link& link, RefuseCode code, const std::string& reason);

}  // namespace stoffel::node::detail
