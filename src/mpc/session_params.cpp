#include "mpc/session_params.h"

#include <string>

namespace stoffel::mpc {

Result<void> validate_parameters(std::size_t n, std::size_t t) {
  if (n == 0) return make_error(ErrorKind::Usage, "invalid MPC parameters: n must be at least 1");
  if (n > 255) {
    return make_error(ErrorKind::Usage, "invalid MPC parameters: n = " + std::to_string(n) +
                                            " parties, at most 255 are supported");
  }
  // t > (n - 1) / 3 is n < 3t + 1 without computing 3t + 1, which could wrap for a huge t.
  if (t > (n - 1) / 3) {
    return make_error(ErrorKind::Usage,
                      "invalid MPC parameters: n = " + std::to_string(n) +
                          ", t = " + std::to_string(t) + " violates n >= 3t + 1 (at most " +
                          std::to_string((n - 1) / 3) + " faulty parties can be tolerated with " +
                          std::to_string(n) + " parties)");
  }
  return {};
}

}  // namespace stoffel::mpc
