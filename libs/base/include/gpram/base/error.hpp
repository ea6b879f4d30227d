// Errors at codec boundaries are values: gpram::Result<T> holds either a T or an Error, which
// carries a std::error_code (for policy: compare against a library's Errc) and a message with
// the precise context a user can act on ("TLV: length 0x0200 at offset 3 exceeds the 5 bytes
// left"). See docs/adr/0001-errors.md for why Error carries a message next to the code.
#pragma once

#include <string>
#include <system_error>
#include <utility>

#include <tl/expected.hpp>

namespace gpram {

struct Error {
  std::error_code code;
  std::string message;  // complete human-readable sentence, no trailing newline

  [[nodiscard]] const std::string& what() const noexcept { return message; }
  friend bool operator==(const Error& e, std::error_code c) noexcept { return e.code == c; }
};

template <class T>
using Result = tl::expected<T, Error>;

using Unexpected = tl::unexpected<Error>;

/// Builds the error side of a Result: `return fail(Errc::truncated, "TLV: ...");`
template <class E>
[[nodiscard]] Unexpected fail(E code, std::string message) {
  return Unexpected(Error{make_error_code(code), std::move(message)});
}

[[nodiscard]] inline Unexpected fail(Error e) { return Unexpected(std::move(e)); }

/// Prefixes context to an error coming from a lower layer ("script item 3: " + inner).
[[nodiscard]] inline Error with_context(Error e, std::string_view prefix) {
  e.message.insert(0, prefix);
  return e;
}

/// A std::error_category whose messages come from a table function; one per library.
class SimpleCategory final : public std::error_category {
 public:
  using MessageFn = const char* (*)(int);
  SimpleCategory(const char* name, MessageFn fn) noexcept : name_(name), fn_(fn) {}
  [[nodiscard]] const char* name() const noexcept override { return name_; }
  [[nodiscard]] std::string message(int ev) const override { return fn_(ev); }

 private:
  const char* name_;
  MessageFn fn_;
};

}  // namespace gpram

/// Declares `make_error_code(Errc)` and the is_error_code_enum specialisation for a library's
/// `enum class Errc` in namespace NS. Use at global scope in the library's errors header.
#define GPRAM_DECLARE_ERRC(NS)                                                   \
  namespace NS {                                                                 \
  const std::error_category& error_category() noexcept;                          \
  inline std::error_code make_error_code(Errc e) noexcept {                      \
    return {static_cast<int>(e), error_category()};                              \
  }                                                                              \
  }                                                                              \
  template <>                                                                    \
  struct std::is_error_code_enum<NS::Errc> : std::true_type {}
