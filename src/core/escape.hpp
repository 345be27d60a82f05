#pragma once
// Escaping and unescaping text: URL percent-encoding (RFC 3986 section 2.1) and HTML. The
// request target, query, ServeMux, strip_prefix, redirects and directory listings all use
// these, so they agree on what a malformed escape is and on how a byte is written.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace nethttp::detail {

/// hex_value returns the value of the hex digit c (either case), or -1 when c is not one.
int hex_value(char c) noexcept;

/// escaped_byte returns the byte that the escape "%XX" at the start of s stands for (hex
/// digits in either case), or -1 when s does not start with '%' and two hex digits.
int escaped_byte(std::string_view s) noexcept;

/// kMalformedEscape is what percent_decode_to returns for a malformed escape.
inline constexpr std::size_t kMalformedEscape = static_cast<std::size_t>(-1);

/// percent_decode_to writes the decoded form of s into dst, which must hold at least
/// s.size() bytes, and returns the decoded length. Every '%' must start a complete escape
/// ("%zz", "%4" and a final "%" are malformed): if one does not, it returns
/// kMalformedEscape and dst holds garbage. With plus_as_space, '+' decodes to ' '
/// (application/x-www-form-urlencoded, for queries only); otherwise '+' is itself. A
/// decoded "%2F" is a plain '/' byte and "%00" a NUL: callers that care check the result.
std::size_t percent_decode_to(std::string_view s, std::span<char> dst, bool plus_as_space) noexcept;

/// append_percent_decoded appends the decoded form of s to out, with percent_decode_to's
/// rules, and returns true; on a malformed escape it returns false and leaves out as it
/// was. Appending lets a caller reuse one buffer, which is how Request::set_target decodes
/// every request path without allocating.
bool append_percent_decoded(std::string& out, std::string_view s, bool plus_as_space = false);

/// QueryPair is one name=value pair of a query string or urlencoded body, still encoded.
struct QueryPair {
  std::string_view name;
  std::string_view value;  ///< "" when the pair has no '='
};

/// next_query_pair takes the next non-empty '&'-separated pair off the front of rest into
/// pair, split at its first '=' (Go's ParseQuery); false once rest holds no more pairs.
bool next_query_pair(std::string_view& rest, QueryPair& pair) noexcept;

/// append_percent_encoded appends s to out, writing each byte b for which must_escape(b)
/// holds as "%XX" (uppercase hex, as RFC 3986 recommends) and every other byte as is.
template <class MustEscape>
void append_percent_encoded(std::string& out, std::string_view s, MustEscape must_escape) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (must_escape(c)) {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    } else {
      out.push_back(ch);
    }
  }
}

/// escape_redirect_location percent-escapes the bytes that may not appear raw in a Location
/// header or a URI reference: non-ASCII (Go's hexEscapeNonASCII) and, to rule out header
/// injection, control bytes, space and DEL. Everything else, '%' included, is kept, so an
/// already escaped URL stays as it is. Our parser lets no such byte into a request-target,
/// but a Request built by hand or changed by middleware might carry one.
std::string escape_redirect_location(std::string_view url);

/// append_html_escaped appends s to out with &, <, >, " and ' escaped (as Go's
/// html.EscapeString: "&amp;", "&lt;", "&gt;", "&#34;", "&#39;"), so the result is safe as
/// HTML text and as a quoted attribute value.
void append_html_escaped(std::string& out, std::string_view s);

/// escape_html returns s escaped as append_html_escaped does.
std::string escape_html(std::string_view s);

}  // namespace nethttp::detail
