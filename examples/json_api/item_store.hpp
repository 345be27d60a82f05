#pragma once
// ItemStore: the json_api example's in-memory table of items.
//
// Header-only so that tests/integration/json_api_test.cpp can mount the very same routes
// without linking anything from examples/ (examples are off in sanitizer builds).

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

namespace json_api {

/// ItemFields are the client-supplied fields of an item (the body of POST and PUT).
struct ItemFields {
  std::string name;
  std::int64_t quantity = 0;
};

/// Item is one stored item: its id, assigned by the store, and its fields.
struct Item {
  std::uint64_t id = 0;
  ItemFields fields;
};

/// ItemStore keeps items in memory, ordered by id. Every member is thread-safe: handlers
/// on every event loop use one store at once. Readers share a lock and writers take it
/// alone; each call holds it only for a map operation, so it never blocks a loop for long.
class ItemStore {
 public:
  /// ItemStore holds at most max_items items; create() fails beyond that, so clients cannot
  /// grow the process without bound.
  explicit ItemStore(std::size_t max_items = 10'000) : max_items_(max_items) {}

  /// list returns a copy of every item, by ascending id.
  [[nodiscard]] std::vector<Item> list() const {
    std::shared_lock lock(mu_);
    std::vector<Item> out;
    out.reserve(items_.size());
    for (const auto& [id, item] : items_) out.push_back(item);
    return out;
  }

  /// get returns a copy of item id, or nullopt if there is none.
  [[nodiscard]] std::optional<Item> get(std::uint64_t id) const {
    std::shared_lock lock(mu_);
    auto it = items_.find(id);
    if (it == items_.end()) return std::nullopt;
    return it->second;
  }

  /// create stores a new item under the next id and returns it, or nullopt when the store
  /// is full. Ids are never reused.
  std::optional<Item> create(ItemFields fields) {
    std::unique_lock lock(mu_);
    if (items_.size() >= max_items_) return std::nullopt;
    std::uint64_t id = next_id_++;
    Item& item = items_[id];
    item = Item{id, std::move(fields)};
    return item;
  }

  /// replace sets the fields of item id and returns the updated item, or nullopt if there
  /// is no such item.
  std::optional<Item> replace(std::uint64_t id, ItemFields fields) {
    std::unique_lock lock(mu_);
    auto it = items_.find(id);
    if (it == items_.end()) return std::nullopt;
    it->second.fields = std::move(fields);
    return it->second;
  }

  /// remove deletes item id; false if there was none.
  bool remove(std::uint64_t id) {
    std::unique_lock lock(mu_);
    return items_.erase(id) == 1;
  }

  /// size is the number of items stored.
  [[nodiscard]] std::size_t size() const {
    std::shared_lock lock(mu_);
    return items_.size();
  }

 private:
  const std::size_t max_items_;
  mutable std::shared_mutex mu_;
  std::map<std::uint64_t, Item> items_;  // guarded by mu_
  std::uint64_t next_id_ = 1;            // guarded by mu_
};

}  // namespace json_api
