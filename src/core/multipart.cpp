// MultipartParser: multipart/form-data as a push parser. The body is read as if it began
// with CRLF, so every boundary, the first one included, is the delimiter CRLF "--" boundary
// (RFC 2046 5.1.1); part data is handed on except for the last delimiter-length bytes,
// which might be the start of a delimiter split across two feeds.

#include "nethttp/multipart.hpp"

#include <algorithm>
#include <memory>
#include <utility>

#include "core/header_list.hpp"
#include "nethttp/body_reader.hpp"

namespace nethttp {

namespace {

constexpr std::size_t kMaxPadding = 1024;  // transport padding after a boundary we wait for

// classify looks at what follows a delimiter at pos: 1 if it is a boundary line (the close
// "--", or transport padding and CRLF), 0 if it is not (the bytes are data, as Go reads
// them), -1 if more input is needed to tell.
int classify(std::string_view in, std::size_t pos) noexcept {
  if (in.size() - pos >= 2 && in[pos] == '-' && in[pos + 1] == '-') return 1;
  std::size_t i = pos;
  while (i < in.size() && (in[i] == ' ' || in[i] == '\t')) ++i;
  if (i - pos > kMaxPadding) return 0;
  if (i == in.size()) return -1;
  if (in[i] == '-' && i == pos) return in.size() - i < 2 ? -1 : 0;
  if (in[i] != '\r') return 0;
  if (i + 1 == in.size()) return -1;
  return in[i + 1] == '\n' ? 1 : 0;
}

bool is_boundary_char(char c) noexcept {
  // RFC 2046 bchars: DIGIT / ALPHA / "'()+_,-./:=?" and space (not last).
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

// next_param splits "; key=value" off s (a Content-Type or Content-Disposition value after
// its first token). Returns false when s has no more parameters or one is malformed
// (malformed is set then).
bool next_param(std::string_view& s, std::string& key, std::string& value, bool& malformed) {
  s = detail::trim_ows(s);
  if (s.empty()) return false;
  if (s.front() != ';') {
    malformed = true;
    return false;
  }
  s.remove_prefix(1);
  s = detail::trim_ows(s);
  if (s.empty()) return false;  // a trailing ';' is tolerated
  const std::size_t eq = s.find('=');
  if (eq == std::string_view::npos) {
    malformed = true;
    return false;
  }
  key.assign(detail::trim_ows(s.substr(0, eq)));
  for (char& c : key) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  s.remove_prefix(eq + 1);
  s = detail::trim_ows(s);
  value.clear();
  if (!s.empty() && s.front() == '"') {
    std::size_t i = 1;
    for (; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      value.push_back(s[i]);
    }
    if (i >= s.size()) {
      malformed = true;  // unterminated quoted-string
      return false;
    }
    s.remove_prefix(i + 1);
  } else {
    const std::size_t end = std::min(s.find(';'), s.size());
    value.assign(detail::trim_ows(s.substr(0, end)));
    s.remove_prefix(end);
  }
  if (!detail::is_token(key)) {
    malformed = true;
    return false;
  }
  return true;
}

// first_token returns the value's leading token ("form-data", "multipart/form-data") and
// leaves s after it.
std::string_view first_token(std::string_view& s) {
  s = detail::trim_ows(s);
  const std::size_t end = std::min(s.find(';'), s.size());
  std::string_view t = detail::trim_ows(s.substr(0, end));
  s.remove_prefix(end);
  return t;
}

}  // namespace

int status_for(MultipartError e) noexcept {
  switch (e) {
    case MultipartError::None: return 200;
    case MultipartError::Malformed: return 400;
    case MultipartError::TooManyParts: return 413;
    case MultipartError::HeaderTooLarge: return 431;
  }
  return 400;
}

std::string_view multipart_error_message(MultipartError e) noexcept {
  switch (e) {
    case MultipartError::None: return "ok";
    case MultipartError::Malformed: return "malformed multipart body";
    case MultipartError::TooManyParts: return "too many multipart parts";
    case MultipartError::HeaderTooLarge: return "multipart part header too large";
  }
  return "malformed multipart body";
}

std::string multipart_boundary(std::string_view content_type) {
  std::string_view rest = content_type;
  if (!iequals(first_token(rest), "multipart/form-data")) return {};
  std::string key, value;
  bool malformed = false;
  std::string boundary;
  while (next_param(rest, key, value, malformed)) {
    if (key == "boundary") boundary = value;
  }
  if (malformed || boundary.empty() || boundary.size() > 70 || boundary.back() == ' ') return {};
  if (!std::all_of(boundary.begin(), boundary.end(), is_boundary_char)) return {};
  return boundary;
}

MultipartParser::MultipartParser(std::string_view boundary, MultipartLimits limits)
    : delimiter_("\r\n--"), limits_(limits), buf_("\r\n") {
  delimiter_.append(boundary);
}

MultipartError MultipartParser::feed(std::string_view data) {
  if (error_ != MultipartError::None) return error_;
  if (state_ == State::Epilogue) return MultipartError::None;
  // Parse straight from data when nothing is carried over, else from the carry plus data.
  const bool direct = buf_.empty();
  if (!direct) buf_.append(data);
  const std::string_view in = direct ? data : std::string_view(buf_);
  std::size_t p = 0;
  const std::size_t dlen = delimiter_.size();
  bool more = true;
  while (more && p < in.size()) {
    switch (state_) {
      case State::Preamble: {
        std::size_t from = p;
        for (;;) {
          const std::size_t at = in.find(delimiter_, from);
          const int k = at == std::string_view::npos ? 0 : classify(in, at + dlen);
          if (at == std::string_view::npos) {
            p = std::max(p, in.size() - std::min(in.size() - p, dlen - 1));  // ignored, but for a possible start
            more = false;
          } else if (k == 0) {
            from = at + 1;
            continue;
          } else if (k < 0) {
            p = at;
            more = false;
          } else {
            p = at + dlen;
            state_ = State::AfterDelimiter;
          }
          break;
        }
        break;
      }
      case State::AfterDelimiter: {
        if (in.size() - p < 2) {
          more = false;
          break;
        }
        if (in.compare(p, 2, "--") == 0) {
          state_ = State::Epilogue;  // the close delimiter; what follows is ignored
          p = in.size();
          break;
        }
        std::size_t i = p;
        while (i < in.size() && (in[i] == ' ' || in[i] == '\t')) ++i;
        if (in.size() - i < 2) {
          if (i - p > kMaxPadding) return fail(MultipartError::Malformed);
          more = false;
          break;
        }
        if (in[i] != '\r' || in[i + 1] != '\n') return fail(MultipartError::Malformed);
        if (++parts_ > limits_.max_parts) return fail(MultipartError::TooManyParts);
        p = i + 2;
        state_ = State::Headers;
        break;
      }
      case State::Headers: {
        std::size_t end;
        std::size_t skip;
        if (in.compare(p, 2, "\r\n") == 0) {
          end = p;  // no header fields
          skip = 2;
        } else {
          end = in.find("\r\n\r\n", p);
          skip = 4;
        }
        if (end == std::string_view::npos || (skip == 2 && in.size() - p < 2)) {
          // Too large only once certain: up to 3 bytes may be the start of the blank line.
          if (in.size() - p > limits_.max_header_bytes + 3) return fail(MultipartError::HeaderTooLarge);
          more = false;
          break;
        }
        if (end - p > limits_.max_header_bytes) return fail(MultipartError::HeaderTooLarge);
        if (parse_headers(in.substr(p, end - p)) != MultipartError::None) return error_;
        p = end + skip;
        state_ = State::Data;
        if (on_part_begin) on_part_begin(part_);
        break;
      }
      case State::Data: {
        std::size_t from = p;
        for (;;) {
          const std::size_t at = in.find(delimiter_, from);
          if (at == std::string_view::npos) {
            // Keep what could be the start of a delimiter split across feeds.
            const std::size_t keep = std::min(in.size() - from, dlen - 1);
            const std::size_t emit = in.size() - keep;
            if (emit > p && on_part_data) on_part_data(in.substr(p, emit - p));
            p = std::max(p, emit);
            more = false;
            break;
          }
          const int k = classify(in, at + dlen);
          if (k == 0) {  // a delimiter look-alike inside the data
            from = at + 1;
            continue;
          }
          if (at > p && on_part_data) on_part_data(in.substr(p, at - p));
          p = at;
          if (k < 0) {  // undecided until more input comes
            more = false;
            break;
          }
          if (on_part_end) on_part_end();
          p = at + dlen;
          state_ = State::AfterDelimiter;
          break;
        }
        break;
      }
      case State::Epilogue: p = in.size(); break;
    }
  }
  // Carry the unparsed rest over.
  if (direct) {
    buf_.assign(in.substr(p));
  } else {
    buf_.erase(0, p);
  }
  return MultipartError::None;
}

MultipartError MultipartParser::finish() {
  if (error_ != MultipartError::None) return error_;
  if (state_ != State::Epilogue) return fail(MultipartError::Malformed);  // no close delimiter
  return MultipartError::None;
}

MultipartError MultipartParser::parse_headers(std::string_view block) {
  part_.headers.clear();
  part_.name.clear();
  part_.filename.clear();
  part_.content_type.clear();
  part_.has_filename = false;
  while (!block.empty()) {
    const std::size_t eol = std::min(block.find("\r\n"), block.size());
    const std::string_view line = block.substr(0, eol);
    block.remove_prefix(std::min(block.size(), eol + 2));
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !detail::is_token(line.substr(0, colon))) {
      return fail(MultipartError::Malformed);  // also obsolete line folding (a leading space)
    }
    const std::string_view value = detail::trim_ows(line.substr(colon + 1));
    if (value.find_first_of("\r\n") != std::string_view::npos) return fail(MultipartError::Malformed);
    part_.headers.add(line.substr(0, colon), value);
  }
  if (std::string_view cd = part_.headers.get("Content-Disposition"); !cd.empty()) {
    (void)first_token(cd);  // "form-data" (RFC 7578 4.2); others are read alike
    std::string key, value;
    bool malformed = false;
    while (next_param(cd, key, value, malformed)) {
      if (key == "name") {
        part_.name = value;
      } else if (key == "filename") {
        part_.filename = value;
        part_.has_filename = true;
      }
    }
    if (malformed) return fail(MultipartError::Malformed);
  }
  part_.content_type.assign(part_.headers.get("Content-Type"));
  return MultipartError::None;
}

// MultipartForm: the parser's callbacks sort parts into plain fields (collected within the
// limits) and file parts (handed on).

int MultipartFormError::status() const noexcept {
  return multipart != MultipartError::None ? status_for(multipart) : status_for(form);
}

std::string_view MultipartFormError::message() const noexcept {
  return multipart != MultipartError::None || form == FormError::None ? multipart_error_message(multipart)
                                                                      : form_error_message(form);
}

MultipartForm::MultipartForm(std::string_view boundary, MultipartFormLimits limits)
    : parser_(boundary, limits.parts), limits_(limits) {
  parser_.on_part_begin = [this](const MultipartPart& part) { begin(part); };
  parser_.on_part_data = [this](std::string_view bytes) { data(bytes); };
  parser_.on_part_end = [this] { end(); };
}

MultipartFormError MultipartForm::fail(MultipartFormError e) {
  if (error_.ok()) error_ = e;
  values_.clear();
  name_.clear();
  value_.clear();
  return error_;
}

void MultipartForm::begin(const MultipartPart& part) {
  if (!error_.ok()) return;
  if (part.name.empty()) {
    kind_ = PartKind::Skip;  // Go's ReadForm skips parts without a form name
    return;
  }
  if (part.is_file()) {
    kind_ = PartKind::File;
    ++files_;
    if (on_file_begin) on_file_begin(part);
    return;
  }
  kind_ = PartKind::Field;
  if (fields_ >= limits_.max_fields) {
    fail({.form = FormError::TooManyFields});
    return;
  }
  ++fields_;
  if (part.name.size() > limits_.max_value_bytes - value_bytes_) {
    fail({.form = FormError::TooLarge});
    return;
  }
  value_bytes_ += part.name.size();
  name_ = part.name;
  value_.clear();
}

void MultipartForm::data(std::string_view bytes) {
  if (!error_.ok()) return;
  if (kind_ == PartKind::File) {
    if (on_file_data) on_file_data(bytes);
  } else if (kind_ == PartKind::Field) {
    if (bytes.size() > limits_.max_value_bytes - value_bytes_) {
      fail({.form = FormError::TooLarge});
      return;
    }
    value_bytes_ += bytes.size();
    value_.append(bytes);
  }
}

void MultipartForm::end() {
  if (!error_.ok()) return;
  if (kind_ == PartKind::File) {
    if (on_file_end) on_file_end();
  } else if (kind_ == PartKind::Field) {
    values_.add(name_, value_);
    value_.clear();
  }
  kind_ = PartKind::Skip;
}

MultipartFormError MultipartForm::feed(std::string_view bytes) {
  if (!error_.ok()) return error_;
  const MultipartError e = parser_.feed(bytes);
  if (!error_.ok()) return error_;  // a field limit, met inside the parser's callbacks
  if (e != MultipartError::None) return fail({.multipart = e});
  return {};
}

MultipartFormError MultipartForm::finish() {
  if (!error_.ok()) return error_;
  const MultipartError e = parser_.finish();
  if (e != MultipartError::None) return fail({.multipart = e});
  return error_;
}

namespace {
// MultipartRead drives a MultipartForm from a BodyReader; each read's callback holds it.
struct MultipartRead : std::enable_shared_from_this<MultipartRead> {
  MultipartRead(BodyReader r, std::string_view boundary, MultipartFormLimits limits, MultipartFileHandler files,
                std::function<void(MultipartFormError, FormValues&)> fn)
      : reader(std::move(r)), form(boundary, limits), done(std::move(fn)) {
    form.on_file_begin = std::move(files.begin);
    form.on_file_data = std::move(files.data);
    form.on_file_end = std::move(files.end);
  }
  BodyReader reader;
  MultipartForm form;
  std::function<void(MultipartFormError, FormValues&)> done;

  void next() {
    reader.read([self = shared_from_this()](BodyChunk& c) { self->on_chunk(c); });
  }
  void on_chunk(const BodyChunk& c) {
    if (c.event == BodyEvent::Data) {
      const MultipartFormError e = form.feed(c.data);
      if (!e.ok()) return finish(e);  // the rest of the body stays unread: the connection closes
      next();
      return;
    }
    if (c.event == BodyEvent::Error) {
      return finish(c.error == BodyError::TooLarge ? MultipartFormError{.form = FormError::TooLarge}
                                                   : MultipartFormError{.multipart = MultipartError::Malformed});
    }
    finish(form.finish());
  }
  void finish(MultipartFormError e) {
    if (!e.ok()) form.values().clear();
    auto fn = std::move(done);
    done = nullptr;
    if (fn) fn(e, form.values());
  }
};
}  // namespace

void read_multipart_form(BodyReader reader, std::string_view boundary, MultipartFormLimits limits,
                         MultipartFileHandler files, std::function<void(MultipartFormError, FormValues&)> done) {
  auto m = std::make_shared<MultipartRead>(std::move(reader), boundary, limits, std::move(files), std::move(done));
  if (boundary.empty()) return m->finish({.multipart = MultipartError::Malformed});
  m->next();
}

}  // namespace nethttp
