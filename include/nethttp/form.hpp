#pragma once
/// \file form.hpp
/// FormValues, FormLimits and FormError: HTML form data (application/x-www-form-urlencoded)
/// and query strings as Go's url.Values and Request.ParseForm see them. Request::parse_form()
/// and its accessors (request.hpp) are the way handlers use them.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nethttp {

/// FormValues is a multi-valued, ordered list of decoded name=value pairs (Go: url.Values).
/// Names compare exactly (case-sensitively). The views that get() and get_all() return stay
/// valid until the FormValues is changed or destroyed. Not thread-safe.
class FormValues {
 public:
  /// Pair is one decoded field.
  using Pair = std::pair<std::string, std::string>;

  /// get returns the first value of name, or "" when there is none (Go: Values.Get).
  [[nodiscard]] std::string_view get(std::string_view name) const noexcept;
  /// get_all returns every value of name in order (Go: Values[name]).
  [[nodiscard]] std::vector<std::string_view> get_all(std::string_view name) const;
  /// has reports whether name is present, even with an empty value (Go: Values.Has).
  [[nodiscard]] bool has(std::string_view name) const noexcept;
  /// add appends a value for name (Go: Values.Add).
  void add(std::string_view name, std::string_view value) { pairs_.emplace_back(name, value); }
  /// size is the number of pairs (not names).
  [[nodiscard]] std::size_t size() const noexcept { return pairs_.size(); }
  /// empty reports whether there are no pairs.
  [[nodiscard]] bool empty() const noexcept { return pairs_.empty(); }
  /// clear removes every pair and keeps the memory.
  void clear() noexcept { pairs_.clear(); }
  /// @{ begin and end walk the pairs in order: `for (const auto& [name, value] : form)`.
  [[nodiscard]] auto begin() const noexcept { return pairs_.begin(); }
  [[nodiscard]] auto end() const noexcept { return pairs_.end(); }
  /// @}

 private:
  std::vector<Pair> pairs_;
};

/// FormLimits bounds what Request::parse_form() accepts.
struct FormLimits {
  /// max_fields bounds the name=value pairs of the query and the body together.
  std::size_t max_fields = 1000;
  /// max_bytes bounds a form body (Go's ParseForm stops at 10 MB; the server's
  /// max_body_bytes applies first).
  std::size_t max_bytes = 10 * 1024 * 1024;
};

/// FormError is why Request::parse_form() failed.
enum class FormError {
  None = 0,       ///< parsed
  Malformed,      ///< a bad %-escape in the query or the body ("%zz", "%4", a final "%"): 400
  TooManyFields,  ///< more than FormLimits::max_fields pairs: 413
  TooLarge,       ///< a body longer than FormLimits::max_bytes: 413
};

/// status_for returns the status that answers a form error: 400 for malformed, 413 for a
/// limit, 200 for none.
[[nodiscard]] int status_for(FormError e) noexcept;

/// form_error_message returns a short text for e ("malformed form data: bad %-escape"), for
/// error bodies.
[[nodiscard]] std::string_view form_error_message(FormError e) noexcept;

/// parse_urlencoded decodes an application/x-www-form-urlencoded string ("a=1&b=x+y&a=2",
/// '+' as space, %XX escapes) and appends its pairs to out. A pair without '=' has an empty
/// value; empty pairs ("a=1&&b") are skipped. A pair that does not decode is skipped and
/// the result is FormError::Malformed, but the rest is still read (as Go's ParseQuery
/// does). Appending a pair that would bring out past max_fields stops with
/// FormError::TooManyFields.
FormError parse_urlencoded(std::string_view s, FormValues& out, std::size_t max_fields = static_cast<std::size_t>(-1));

}  // namespace nethttp
