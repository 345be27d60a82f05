// Form data (application/x-www-form-urlencoded, WHATWG URL "urlencoded parsing") and the
// Request side of it: Go's ParseForm merges the query and a POST, PUT or PATCH body into
// Form, and keeps the body's pairs alone in PostForm.

#include "nethttp/form.hpp"

#include "core/escape.hpp"
#include "nethttp/request.hpp"

namespace nethttp {

std::string_view FormValues::get(std::string_view name) const noexcept {
  for (const Pair& p : pairs_) {
    if (p.first == name) return p.second;
  }
  return {};
}

std::vector<std::string_view> FormValues::get_all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const Pair& p : pairs_) {
    if (p.first == name) out.emplace_back(p.second);
  }
  return out;
}

bool FormValues::has(std::string_view name) const noexcept {
  for (const Pair& p : pairs_) {
    if (p.first == name) return true;
  }
  return false;
}

int status_for(FormError e) noexcept {
  switch (e) {
    case FormError::None: return 200;
    case FormError::Malformed: return 400;
    case FormError::TooManyFields:
    case FormError::TooLarge: return 413;
  }
  return 400;
}

std::string_view form_error_message(FormError e) noexcept {
  switch (e) {
    case FormError::None: return "ok";
    case FormError::Malformed: return "malformed form data: bad %-escape";
    case FormError::TooManyFields: return "form has too many fields";
    case FormError::TooLarge: return "form body too large";
  }
  return "bad form";
}

FormError parse_urlencoded(std::string_view s, FormValues& out, std::size_t max_fields) {
  FormError result = FormError::None;
  std::string name, value;
  detail::QueryPair pair;
  while (detail::next_query_pair(s, pair)) {
    if (out.size() >= max_fields) return FormError::TooManyFields;
    name.clear();
    value.clear();
    if (!detail::append_percent_decoded(name, pair.name, true) ||
        !detail::append_percent_decoded(value, pair.value, true)) {
      result = FormError::Malformed;
      continue;
    }
    out.add(name, value);
  }
  return result;
}

namespace {

// has_form_body reports whether Go's ParseForm would read r's body: a POST, PUT or PATCH
// whose media type (parameters ignored, compared without case) is urlencoded.
bool has_form_body(const Request& r) noexcept {
  std::string_view m = r.method();
  if (m != "POST" && m != "PUT" && m != "PATCH") return false;
  std::string_view type = r.header("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  return iequals(type, "application/x-www-form-urlencoded");
}

}  // namespace

FormError Request::parse_form(FormLimits limits) {
  if (form_state_ != 0) return static_cast<FormError>(form_state_ - 1);
  form_.clear();
  post_form_.clear();
  FormError result = FormError::None;
  auto note = [&](FormError e) {
    if (result == FormError::None) result = e;
  };
  if (has_form_body(*this)) {
    if (body_.size() > limits.max_bytes) {
      note(FormError::TooLarge);
    } else {
      note(parse_urlencoded(body_, post_form_, limits.max_fields));
    }
  }
  if (result != FormError::TooLarge && result != FormError::TooManyFields) {
    // Go's Form: the body's values first, then the query's.
    for (const auto& [n, v] : post_form_) form_.add(n, v);
    FormValues query_values;
    note(parse_urlencoded(raw_query_, query_values, limits.max_fields - post_form_.size()));
    for (const auto& [n, v] : query_values) form_.add(n, v);
  }
  if (result == FormError::TooLarge || result == FormError::TooManyFields) {
    form_.clear();
    post_form_.clear();
  }
  form_state_ = static_cast<unsigned char>(static_cast<int>(result) + 1);
  return result;
}

const FormValues& Request::form() {
  parse_form();
  return form_;
}

const FormValues& Request::post_form() {
  parse_form();
  return post_form_;
}

std::string_view Request::form_value(std::string_view name) {
  parse_form();
  return form_.get(name);
}

std::string_view Request::post_form_value(std::string_view name) {
  parse_form();
  return post_form_.get(name);
}

}  // namespace nethttp
