#pragma once
// SessionStore: a Server's stateful TLS sessions (session ids), shared by its loops. Each
// loop's SSL_CTX keeps its own lock-free cache; a client the kernel hands to another loop
// than the one that made its session misses there, and OpenSSL asks this store instead
// (its "external cache"), so session-id resumption works whichever loop answers.

#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>

namespace nethttp::detail {

/// SessionStore maps session ids to DER-encoded sessions, holding at most capacity of them
/// (the oldest go first). Thread-safe. Expiry is OpenSSL's: it checks a session's time and
/// timeout when one is resumed.
class SessionStore {
 public:
  explicit SessionStore(std::size_t capacity) : capacity_(capacity) {}

  /// put stores der under id, replacing what was there.
  void put(std::span<const unsigned char> id, std::string der);
  /// get returns a copy of what is stored under id.
  [[nodiscard]] std::optional<std::string> get(std::span<const unsigned char> id) const;
  [[nodiscard]] std::size_t size() const;

 private:
  std::size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::string> sessions_;  // guarded by mu_
  std::deque<std::string> order_;                          // ids, oldest first; guarded by mu_
};

}  // namespace nethttp::detail
