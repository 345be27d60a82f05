#include "tls/session_store.hpp"

#include <utility>

namespace nethttp::detail {

namespace {
std::string key_of(std::span<const unsigned char> id) { return {reinterpret_cast<const char*>(id.data()), id.size()}; }
}  // namespace

void SessionStore::put(std::span<const unsigned char> id, std::string der) {
  if (capacity_ == 0) return;
  std::string key = key_of(id);
  std::lock_guard lock(mu_);
  auto [it, fresh] = sessions_.insert_or_assign(key, std::move(der));
  if (!fresh) return;  // keeps its place in the eviction order
  order_.push_back(std::move(key));
  while (order_.size() > capacity_) {
    sessions_.erase(order_.front());
    order_.pop_front();
  }
}

std::optional<std::string> SessionStore::get(std::span<const unsigned char> id) const {
  std::lock_guard lock(mu_);
  const auto it = sessions_.find(key_of(id));
  if (it == sessions_.end()) return std::nullopt;
  return it->second;
}

std::size_t SessionStore::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

}  // namespace nethttp::detail
