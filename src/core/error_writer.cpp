// ErrorWriter: the bodies of the errors the library writes itself (ServeMux's 404/405, the
// server's protocol errors), text by default, JSON on request.

#include "nethttp/error_writer.hpp"

#include "nethttp/handler.hpp"
#include "nethttp/json_writer.hpp"

namespace nethttp {

ErrorWriter text_error_writer() {
  return [](ResponseWriter& w, const Request&, int status, std::string_view message) { error(w, message, status); };
}

ErrorWriter json_error_writer() {
  return
      [](ResponseWriter& w, const Request&, int status, std::string_view message) { json_error(w, message, status); };
}

void write_error_with(const ErrorWriter& writer, ResponseWriter& w, const Request& r, int status,
                      std::string_view message) {
  if (writer) writer(w, r, status, message);
  if (w.status() == 0) error(w, message, status);
}

}  // namespace nethttp
