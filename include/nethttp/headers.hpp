#pragma once
/// \file headers.hpp
/// Headers: a case-insensitive, multi-valued header map (Go: http.Header).

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace nethttp {

/// HeaderField is one name/value pair as stored in a Headers map. The views stay valid
/// until the map is next modified.
struct HeaderField {
  std::string_view name;   ///< the field name as sent (compare with iequals)
  std::string_view value;  ///< the field value, without surrounding whitespace
};

/// iequals compares two ASCII strings ignoring case (header names, tokens).
inline bool iequals(std::string_view a, std::string_view b) noexcept {
  // Inline: every header lookup calls it, and most calls end at the size check.
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    // Equal bytes match; otherwise only letters differing in case (bit 0x20 alone) do.
    auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x == y) continue;
    if ((x ^ y) != 0x20) return false;
    unsigned char l = x | 0x20;
    if (l < 'a' || l > 'z') return false;
  }
  return true;
}

/// Headers holds header fields in the order they were added. Lookups ignore the case of
/// names; a name may occur several times. All strings are kept in one reusable arena, so a
/// map that is cleared and refilled allocates nothing once warm. Not thread-safe.
class Headers {
 public:
  /// get returns the first value of name, or "" when absent.
  [[nodiscard]] std::string_view get(std::string_view name) const noexcept;
  /// has reports whether name occurs at least once.
  [[nodiscard]] bool has(std::string_view name) const noexcept;
  /// values returns every value of name, in order.
  [[nodiscard]] std::vector<std::string_view> values(std::string_view name) const;
  /// add appends a field, keeping any existing ones with the same name.
  void add(std::string_view name, std::string_view value);
  /// set replaces every field called name with one field.
  void set(std::string_view name, std::string_view value);
  /// remove deletes every field called name.
  void remove(std::string_view name) noexcept;
  /// clear empties the map but keeps its memory for reuse.
  void clear() noexcept;
  /// size is the number of fields (not names).
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  /// empty reports whether there are no fields.
  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
  /// at returns field i (0 <= i < size()).
  [[nodiscard]] HeaderField at(std::size_t i) const noexcept;

  /// const_iterator walks the fields in insertion order, yielding HeaderField by value.
  class const_iterator {
   public:
    /// @{ The standard forward-iterator members.
    using iterator_category = std::forward_iterator_tag;
    using value_type = HeaderField;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = HeaderField;
    const_iterator() = default;
    const_iterator(const Headers* h, std::size_t i) : h_(h), i_(i) {}
    HeaderField operator*() const noexcept { return h_->at(i_); }
    const_iterator& operator++() noexcept {
      ++i_;
      return *this;
    }
    const_iterator operator++(int) noexcept {
      auto t = *this;
      ++i_;
      return t;
    }
    bool operator==(const const_iterator& o) const noexcept { return i_ == o.i_; }
    /// @}
   private:
    const Headers* h_ = nullptr;
    std::size_t i_ = 0;
  };
  /// @{ begin and end walk every field: `for (HeaderField f : headers)`.
  [[nodiscard]] const_iterator begin() const noexcept { return {this, 0}; }
  [[nodiscard]] const_iterator end() const noexcept { return {this, entries_.size()}; }
  /// @}

 private:
  struct Entry {
    std::uint32_t name_off, name_len, value_off, value_len;
  };
  std::string arena_;           // every name and value, back to back
  std::vector<Entry> entries_;  // offsets into arena_, in insertion order
};

}  // namespace nethttp
