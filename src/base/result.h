// src/base/result.h
//
// Result<T>: the value of an operation that can fail, or the Error saying
// why. Used across every module boundary instead of exceptions.
// Owns: nothing but the value. Leaves to others: mapping codes to HTTP
// statuses (http) and to exit codes (app).
// Invariants: a Result holds exactly one of value / error.
// Thread safety: a plain value type.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace rollcall {

// A stable, machine-readable `code` (snake_case, never renamed once
// published) and a sentence for people that names the fix.
struct Error {
  std::string code;
  std::string message;
  std::string field = {};  // the input field at fault, when there is one
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Requires: ok().
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // Requires: !ok().
  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

inline Error make_error(std::string code, std::string message) {
  return Error{std::move(code), std::move(message)};
}

// A bad input field: `code` is e.g. invalid_field, the message names it.
inline Error field_error(std::string code, std::string field, std::string message) {
  return Error{std::move(code), std::move(message), std::move(field)};
}

}  // namespace rollcall

// Returns the error of `expr` (any Result) from the enclosing function,
// which must return a Result or an Error. The one macro in the code base:
// without it every fallible step is three lines of plumbing.
#define ROLLCALL_TRY(expr) ROLLCALL_TRY_NAMED(expr, ROLLCALL_CONCAT(rollcall_try_, __COUNTER__))
#define ROLLCALL_CONCAT(a, b) ROLLCALL_CONCAT_INNER(a, b)
#define ROLLCALL_CONCAT_INNER(a, b) a##b
#define ROLLCALL_TRY_NAMED(expr, name) \
  do {                                 \
    if (auto name = (expr); !name) {   \
      return name.error();             \
    }                                  \
  } while (false)
