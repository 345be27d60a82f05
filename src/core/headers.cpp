#include "nethttp/headers.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <string>

namespace nethttp {

namespace {

// offset_in returns where s starts inside arena when s is a view of arena's bytes.
std::optional<std::size_t> offset_in(const std::string& arena, std::string_view s) noexcept {
  const std::less_equal<> le;  // a total order even for pointers into different objects
  const char* begin = arena.data();
  const char* end = begin + arena.size();
  if (s.empty() || !le(begin, s.data()) || !le(s.data() + s.size(), end)) return std::nullopt;
  return static_cast<std::size_t>(s.data() - begin);
}
}  // namespace

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
  // name or value may view this map's own arena (`h.add("X", h.get("Y"))`); the first append
  // may reallocate it, so such input is located by offset before anything moves.
  const std::optional<std::size_t> name_at = offset_in(arena_, name);
  const std::optional<std::size_t> value_at = offset_in(arena_, value);
  Entry e{};
  e.name_off = static_cast<std::uint32_t>(arena_.size());
  e.name_len = static_cast<std::uint32_t>(name.size());
  if (name_at)
    arena_.append(arena_, *name_at, name.size());
  else
    arena_.append(name);
  e.value_off = static_cast<std::uint32_t>(arena_.size());
  e.value_len = static_cast<std::uint32_t>(value.size());
  if (value_at)
    arena_.append(arena_, *value_at, value.size());
  else
    arena_.append(value);
  entries_.push_back(e);
}

void Headers::set(std::string_view name, std::string_view value) {
  // remove() leaves the arena's bytes where they are, so views into it stay valid for add().
  remove(name);
  add(name, value);
}

void Headers::remove(std::string_view name) noexcept {
  // Removed bytes stay in the arena until clear(); maps are short-lived.
  std::erase_if(entries_,
                [&](const Entry& e) { return iequals(std::string_view(arena_).substr(e.name_off, e.name_len), name); });
}

void Headers::clear() noexcept {
  arena_.clear();
  entries_.clear();
}

}  // namespace nethttp
