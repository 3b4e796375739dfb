// A small std::expected-like result type (std::expected is C++23; we target C++20).
// Library code returns Result<T> for anything that can fail on bad input, never exits or aborts.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace stoffel {

// What kind of failure an error is. Code decides on the kind, never on the message text: the
// CLI maps kinds to exit codes (docs/cli.md), the embedded engine tells a party's own failure
// from the aborts it caused in the others. The set is complete: every error is exactly one of
// these, and a new kind is added only when some code must act on it differently.
enum class ErrorKind : std::uint8_t {
  // The caller's settings or arguments are unusable: flags, session parameters (n, t, field),
  // client inputs, options of an API call. Nothing ran.
  Usage,
  // A program cannot be used: unreadable, malformed, or rejected by the verifier. Nothing ran.
  Load,
  // The program failed while running: a type error, a missing function, stack overflow, a
  // builtin's bad argument, ... The default of make_error, since most errors are the program's.
  Execution,
  // An MPC protocol could not complete correctly: more parties misbehaved than the threshold
  // tolerates, or shares do not determine a value.
  Protocol,
  // The transport failed or was closed under the caller.
  Network,
  // A message that must arrive did not arrive within the session's receive timeout.
  Timeout,
  // This party stopped because another party of its session failed and the session was aborted
  // (LocalSession::abort). Never a root cause: the failure of that other party is.
  AbortedByPeer,
  // A preprocessing store cannot be made or used: missing, locked, a wrong or unreadable key,
  // damaged or tampered, made for other parameters, full (docs/store.md).
  Store,
};

// "usage", "load", "execution", "protocol", "network", "timeout", "aborted-by-peer", "store".
constexpr std::string_view error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Usage:
      return "usage";
    case ErrorKind::Load:
      return "load";
    case ErrorKind::Execution:
      return "execution";
    case ErrorKind::Protocol:
      return "protocol";
    case ErrorKind::Network:
      return "network";
    case ErrorKind::Timeout:
      return "timeout";
    case ErrorKind::AbortedByPeer:
      return "aborted-by-peer";
    case ErrorKind::Store:
      return "store";
  }
  return "unknown";
}

// An error with a human-readable message that already carries its context
// (byte offset, function name and instruction index, line and column, ...), and its kind.
struct Error {
  std::string message;
  ErrorKind kind = ErrorKind::Execution;

  // The same error with more context in front of the message ("preprocessing: " + message);
  // the kind is kept, so wrapping never hides what went wrong.
  Error with_context(std::string_view prefix) const {
    return Error{std::string(prefix) + message, kind};
  }
  bool is(ErrorKind k) const { return kind == k; }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : err_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return err_;
  }

 private:
  Error err_;
  bool ok_ = true;
};

// An execution error (the common case: the program failed).
inline Error make_error(std::string message) {
  return Error{std::move(message), ErrorKind::Execution};
}

inline Error make_error(ErrorKind kind, std::string message) {
  return Error{std::move(message), kind};
}

}  // namespace stoffel
