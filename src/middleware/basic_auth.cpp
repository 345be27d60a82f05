// basic_auth: HTTP Basic authentication (RFC 7617). Every attempt is checked against every
// configured user with constant-time comparisons of both the name and the password, so
// neither which user exists nor how much of a password matched shows in the timing.

#include <string>

#include "middleware/base64.hpp"
#include "middleware/constant_time.hpp"
#include "nethttp/middleware.hpp"

namespace nethttp {

namespace {

// challenge builds the WWW-Authenticate value; the realm is a quoted-string (RFC 9110
// 5.6.4), so quotes and backslashes in it are escaped.
std::string challenge(std::string_view realm) {
  std::string out = "Basic realm=\"";
  for (char c : realm) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out += "\", charset=\"UTF-8\"";
  return out;
}

bool authorized(const std::vector<BasicCredentials>& users, std::string_view header) {
  // The scheme name is case-insensitive (RFC 9110 11.1); one or more spaces follow it.
  if (header.size() < 6 || !iequals(header.substr(0, 5), "Basic") || header[5] != ' ') return false;
  std::string_view token = header.substr(6);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  std::optional<std::string> decoded = detail::base64_decode(token);
  if (!decoded) return false;
  std::size_t colon = decoded->find(':');  // user-ids cannot contain ':'; passwords can
  if (colon == std::string::npos) return false;
  std::string_view user = std::string_view(*decoded).substr(0, colon);
  std::string_view password = std::string_view(*decoded).substr(colon + 1);
  int ok = 0;
  for (const BasicCredentials& c : users) {
    ok |= detail::constant_time_equals(user, c.user) & detail::constant_time_equals(password, c.password);
  }
  return ok != 0;
}

}  // namespace

Middleware basic_auth(std::string realm, std::vector<BasicCredentials> users) {
  auto shared_users = std::make_shared<const std::vector<BasicCredentials>>(std::move(users));
  auto value = std::make_shared<const std::string>(challenge(realm));
  return [shared_users, value](Handler next) -> Handler {
    return [shared_users, value, next = std::move(next)](ResponseWriter& w, Request& r) {
      if (!authorized(*shared_users, r.header("Authorization"))) {
        w.headers().set("WWW-Authenticate", *value);
        error(w, "401 unauthorized", Status::Unauthorized);
        return;
      }
      next.serve(w, r);
    };
  };
}

}  // namespace nethttp
