#include "nethttp/headers.hpp"

#include <algorithm>

namespace nethttp {

namespace {
constexpr char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

HeaderField Headers::at(std::size_t i) const noexcept {
  const Entry& e = entries_[i];
  std::string_view arena(arena_);
  return {arena.substr(e.name_off, e.name_len), arena.substr(e.value_off, e.value_len)};
}

std::string_view Headers::get(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    HeaderField f = at(i);
    if (iequals(f.name, name)) return f.value;
  }
  return {};
}

bool Headers::has(std::string_view name) const noexcept {
  return std::any_of(begin(), end(), [&](HeaderField f) { return iequals(f.name, name); });
}

std::vector<std::string_view> Headers::values(std::string_view name) const {
  std::vector<std::string_view> out;
  for (HeaderField f : *this) {
    if (iequals(f.name, name)) out.push_back(f.value);
  }
  return out;
}

void Headers::add(std::string_view name, std::string_view value) {
  Entry e{};
  e.name_off = static_cast<std::uint32_t>(arena_.size());
  e.name_len = static_cast<std::uint32_t>(name.size());
  arena_.append(name);
  e.value_off = static_cast<std::uint32_t>(arena_.size());
  e.value_len = static_cast<std::uint32_t>(value.size());
  arena_.append(value);
  entries_.push_back(e);
}

void Headers::set(std::string_view name, std::string_view value) {
  // name and value may point into arena_: append before removing (removal never moves
  // arena bytes, and append may reallocate, so copy first when aliasing).
  if (name.data() >= arena_.data() && name.data() < arena_.data() + arena_.size()) {
    std::string n(name), v(value);
    remove(n);
    add(n, v);
    return;
  }
  if (value.data() >= arena_.data() && value.data() < arena_.data() + arena_.size()) {
    std::string v(value);
    remove(name);
    add(name, v);
    return;
  }
  remove(name);
  add(name, value);
}

void Headers::remove(std::string_view name) noexcept {
  // Removed bytes stay in the arena until clear(); maps are short-lived.
  std::erase_if(entries_, [&](const Entry& e) {
    return iequals(std::string_view(arena_).substr(e.name_off, e.name_len), name);
  });
}

void Headers::clear() noexcept {
  arena_.clear();
  entries_.clear();
}

}  // namespace nethttp
