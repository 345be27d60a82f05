// The shortener example's sharded link store (examples/shortener/link_store.hpp), including
// concurrent use; this file also runs under TSan in the sanitizer builds.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../../examples/shortener/link_store.hpp"

namespace shortener {
namespace {

TEST(ShortenerStore, CreateFindAndResolve) {
  LinkStore store;
  std::shared_ptr<Link> link = store.create("https://example.org/a");
  ASSERT_NE(link, nullptr);
  EXPECT_TRUE(is_code(link->code));
  EXPECT_EQ(store.size(), 1u);

  std::shared_ptr<Link> found = store.find(link->code);
  ASSERT_EQ(found, link);
  EXPECT_EQ(found->url, "https://example.org/a");
  EXPECT_EQ(found->hits.load(), 0u) << "find() must not count a hit";

  EXPECT_EQ(store.resolve(link->code), link);
  EXPECT_EQ(store.resolve(link->code), link);
  EXPECT_EQ(link->hits.load(), 2u);
}

TEST(ShortenerStore, UnknownAndMalformedCodesAreNotFound) {
  LinkStore store;
  std::shared_ptr<Link> link = store.create("https://example.org/");
  ASSERT_NE(link, nullptr);
  std::string other = link->code;
  other[0] = other[0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(store.find(other), nullptr);
  EXPECT_EQ(store.resolve(other), nullptr);
  EXPECT_EQ(store.find(""), nullptr);
  EXPECT_EQ(store.find("not a code"), nullptr);
  EXPECT_EQ(store.find(link->code + "x"), nullptr);
}

TEST(ShortenerStore, RefusesLinksBeyondCapacity) {
  LinkStore store(3);
  for (int i = 0; i < 3; ++i) EXPECT_NE(store.create("https://example.org/" + std::to_string(i)), nullptr);
  EXPECT_EQ(store.create("https://example.org/full"), nullptr);
  EXPECT_EQ(store.size(), 3u);
  EXPECT_THROW(LinkStore(kCodeSpace + 1), std::invalid_argument);
}

TEST(ShortenerStore, ConcurrentCreatesAndHitsAreAllCounted) {
  constexpr int kThreads = 4;
  constexpr int kLinksPerThread = 200;
  constexpr int kHitsPerLink = 5;
  LinkStore store(kThreads * kLinksPerThread);
  // One link every thread hits, to make its atomic counter contended.
  std::shared_ptr<Link> shared = store.create("https://example.org/shared");
  ASSERT_NE(shared, nullptr);

  std::vector<std::vector<std::string>> codes(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kLinksPerThread; ++i) {
        auto link = store.create("https://example.org/" + std::to_string(t) + "/" + std::to_string(i));
        if (!link) continue;  // the shared link took one slot, so one create fails
        codes[static_cast<std::size_t>(t)].push_back(link->code);
        for (int h = 0; h < kHitsPerLink; ++h) store.resolve(link->code);
        store.resolve(shared->code);
      }
    });
  }
  for (auto& th : threads) th.join();

  std::set<std::string> all;
  std::size_t created = 0;
  for (const auto& list : codes) {
    created += list.size();
    for (const std::string& code : list) {
      EXPECT_TRUE(all.insert(code).second) << "duplicate code " << code;
      auto link = store.find(code);
      ASSERT_NE(link, nullptr) << code;
      EXPECT_EQ(link->hits.load(), static_cast<std::uint64_t>(kHitsPerLink)) << code;
    }
  }
  EXPECT_EQ(created, static_cast<std::size_t>(kThreads * kLinksPerThread - 1));
  EXPECT_EQ(store.size(), static_cast<std::size_t>(kThreads * kLinksPerThread));
  EXPECT_EQ(shared->hits.load(), created);
}

}  // namespace
}  // namespace shortener
