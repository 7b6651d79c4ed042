// Status and Result<T>: the one error mechanism in xcloud. A Status carries a
// stable code and a message that starts with the thing concerned.
// Value types; safe to copy between threads.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace xc {

enum class Code {
  kOk = 0,
  kInvalidArgument,  // bad input from a user or a peer
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kConflict,
  kPermissionDenied,
  kUnavailable,  // a host or service could not be reached
  kIo,
  kInternal,
};

// Stable text for each code, used in JSON errors and by scripts.
const char* code_name(Code code);
// code_name's text ("not_found", from an agent's error) back to a Code;
// kInternal for any other text.
Code code_from_name(const std::string& name);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok_status() { return {}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status error(Code code, std::string message) {
  return {code, std::move(message)};
}

// Either a value or a non-ok Status: never neither. An OK Status given where
// a value belongs becomes an internal error, so ok() is false exactly when
// status() says why.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}
  Result(Status status)
      : status_(status.ok() ? Status(Code::kInternal,
                                     "internal error: a result without a value or an error")
                            : std::move(status)) {}

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace xc
