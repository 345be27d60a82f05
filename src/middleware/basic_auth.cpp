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

// kUser is where basic_auth() leaves the accepted user name for inner handlers.
const ContextKey<std::string> kUser{"nethttp.basic_auth_user"};

// authorized returns the index of the matching entry in users, or -1.
int authorized(const std::vector<BasicCredentials>& users, std::string_view header) {
  // The scheme name is case-insensitive (RFC 9110 11.1); one or more spaces follow it.
  if (header.size() < 6 || !iequals(header.substr(0, 5), "Basic") || header[5] != ' ') return -1;
  std::string_view token = header.substr(6);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  std::optional<std::string> decoded = detail::base64_decode(token);
  if (!decoded) return -1;
  std::size_t colon = decoded->find(':');  // user-ids cannot contain ':'; passwords can
  if (colon == std::string::npos) return -1;
  std::string_view user = std::string_view(*decoded).substr(0, colon);
  std::string_view password = std::string_view(*decoded).substr(colon + 1);
  // Every entry is compared, match or not; the index is picked without a branch on it.
  int found = -1;
  for (std::size_t i = 0; i < users.size(); ++i) {
    const BasicCredentials& c = users[i];
    int ok = detail::constant_time_equals(user, c.user) & detail::constant_time_equals(password, c.password);
    int mask = -ok;  // all ones when this entry matched
    found = (found & ~mask) | (static_cast<int>(i) & mask);
  }
  return found;
}

}  // namespace

std::string_view basic_auth_user(const Request& r) noexcept {
  const std::string* user = r.value(kUser);
  return user ? std::string_view(*user) : std::string_view();
}

Middleware basic_auth(std::string_view realm, std::vector<BasicCredentials> users) {
  auto shared_users = std::make_shared<const std::vector<BasicCredentials>>(std::move(users));
  auto value = std::make_shared<const std::string>(challenge(realm));
  return [shared_users, value](Handler next) -> Handler {
    return [shared_users, value, next = std::move(next)](ResponseWriter& w, Request& r) {
      int user = authorized(*shared_users, r.header("Authorization"));
      if (user < 0) {
        w.headers().set("WWW-Authenticate", *value);
        error(w, "401 unauthorized", Status::Unauthorized);
        return;
      }
      r.set_value(kUser, (*shared_users)[static_cast<std::size_t>(user)].user);
      next.serve(w, r);
    };
  };
}

}  // namespace nethttp
