#pragma once
/// \file handler.hpp
/// Handler, the one interface everything composes through (Go: http.Handler), and chain().

#include <concepts>
#include <functional>
#include <initializer_list>
#include <memory>
#include <type_traits>
#include <utility>

#include "nethttp/request.hpp"
#include "nethttp/response_writer.hpp"

namespace nethttp {

class Handler;

/// ServesHttp is satisfied by types with a `void serve(ResponseWriter&, Request&) const`
/// member, such as ServeMux.
template <class T>
concept ServesHttp = requires(const T& t, ResponseWriter& w, Request& r) {
  {t.serve(w, r)};
};

/// Handler responds to an HTTP request. It is a cheap-to-copy, immutable, type-erased
/// callable: plain functions and lambdas taking (ResponseWriter&, Request&) convert to it
/// implicitly (Go's HandlerFunc), and so do objects with a const serve() member.
///
/// A Handler is called on every loop thread at once, so what it captures must be safe to
/// use concurrently. It runs on an event loop and must not block: slow work goes elsewhere
/// and returns through ResponseWriter::defer(). If it throws, the server answers 500 when
/// nothing was sent yet (otherwise it closes the connection), logs, and keeps serving.
class Handler {
 public:
  /// An empty Handler answers 404.
  Handler() = default;

  /// A Handler wraps any callable taking (ResponseWriter&, Request&): a lambda, a function
  /// or a function object (Go: HandlerFunc). The callable is copied or moved in.
  template <class F>
    requires(!std::same_as<std::remove_cvref_t<F>, Handler> &&
             std::invocable<const std::remove_cvref_t<F>&, ResponseWriter&, Request&>)
  Handler(F&& f)  // NOLINT(google-explicit-constructor): implicit like HandlerFunc
      : impl_(std::make_shared<FunctionModel<std::decay_t<F>>>(std::forward<F>(f))) {}

  /// A Handler also wraps an object with a `serve(ResponseWriter&, Request&) const` member,
  /// such as a ServeMux (Go: the Handler interface).
  template <class T>
    requires(!std::same_as<std::remove_cvref_t<T>, Handler> && ServesHttp<std::remove_cvref_t<T>> &&
             !std::invocable<const std::remove_cvref_t<T>&, ResponseWriter&, Request&>)
  Handler(T&& t)  // NOLINT(google-explicit-constructor)
      : impl_(std::make_shared<ServeModel<std::remove_cvref_t<T>>>(std::forward<T>(t))) {}

  /// serve handles one request.
  void serve(ResponseWriter& w, Request& r) const;
  /// streams reports whether this handler takes r's body as a stream (see streaming() in
  /// body_reader.hpp): the server asks it once the header of a request with a body is
  /// complete, and then calls serve() at once instead of after reading the body. False for
  /// plain functions; an object with a `bool streams(const Request&) const` member (a
  /// ServeMux) is asked. Never called for requests without a body.
  [[nodiscard]] bool streams(const Request& r) const;
  /// stream_choice_of makes streams() answer as inner does: middleware that wraps a
  /// handler without reading the body uses it so a streaming route stays streaming
  /// through it (chain() does it for every middleware). Returns *this.
  Handler& stream_choice_of(const Handler& inner) noexcept {
    stream_impl_ = inner.stream_impl_ ? inner.stream_impl_ : inner.impl_;
    return *this;
  }
  /// empty reports whether this Handler holds nothing (and so answers 404).
  [[nodiscard]] bool empty() const noexcept { return impl_ == nullptr; }
  /// A Handler is true when it holds something (the opposite of empty()).
  explicit operator bool() const noexcept { return impl_ != nullptr; }

 private:
  struct Concept {
    virtual ~Concept() = default;
    virtual void serve(ResponseWriter& w, Request& r) const = 0;
    virtual bool streams(const Request&) const { return false; }
  };
  template <class F>
  struct FunctionModel final : Concept {
    explicit FunctionModel(F f) : fn(std::move(f)) {}
    void serve(ResponseWriter& w, Request& r) const override { std::invoke(fn, w, r); }
    F fn;
  };
  template <class T>
  struct ServeModel final : Concept {
    explicit ServeModel(T t) : obj(std::move(t)) {}
    void serve(ResponseWriter& w, Request& r) const override { obj.serve(w, r); }
    bool streams(const Request& r) const override {
      if constexpr (requires {
                      { obj.streams(r) } -> std::convertible_to<bool>;
                    }) {
        return obj.streams(r);
      } else {
        return false;
      }
    }
    T obj;
  };
  std::shared_ptr<const Concept> impl_;
  std::shared_ptr<const Concept> stream_impl_;  // asked by streams() instead of impl_, if set
};

/// Middleware wraps a Handler in another (logging, recovery, CORS, ...).
using Middleware = std::function<Handler(Handler)>;

/// chain wraps h in the middleware, outermost first: chain(h, {a, b}) is a(b(h)), so a
/// sees the request first and the response last. The result streams request bodies
/// exactly when h does (Handler::streams).
Handler chain(Handler h, std::initializer_list<Middleware> outer_first);

/// error writes a plain-text error response: `Content-Type: text/plain; charset=utf-8`,
/// `X-Content-Type-Options: nosniff`, the status, and message plus a newline (Go: http.Error).
void error(ResponseWriter& w, std::string_view message, int status);
/// error with a Status enumerator: `error(w, "no such item", Status::NotFound)`.
inline void error(ResponseWriter& w, std::string_view message, Status status) { error(w, message, to_int(status)); }

}  // namespace nethttp
