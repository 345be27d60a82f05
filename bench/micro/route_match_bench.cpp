// Route matching cost for ServeMux tables of 10, 100 and 1,000 API-like routes.
//
//   BM_ServeMuxServe     mux.serve() into a do-nothing writer, with a no-op handler: path
//                        check, host strip, tree walk, set_pattern and set_path_value.
//                        Each iteration first restores the Request from a pristine copy
//                        (the server reuses one Request per connection the same way).
//   BM_RequestRestore    that restore alone, to subtract from the figure above.
//   BM_ServeMuxHandler   mux.handler(r): the lookup plus building the HandlerMatch (a Handler
//                        copy and the pattern string) that it returns.
//
// Each benchmark reports allocs/op, counted by replacing the global operator new in this
// executable, so "matching does not allocate" is measured, not assumed.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "nethttp/serve_mux.hpp"

namespace {
std::atomic<std::uint64_t> g_allocs{0};
}  // namespace

// noinline on all three: once inlined into a caller, GCC pairs the malloc()/free() inside
// with the new/delete outside and warns (-Wmismatched-new-delete), though they do match.
[[gnu::noinline]] void* operator new(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace nethttp;

// NullWriter accepts a response and throws it away, so only routing is measured.
class NullWriter final : public ResponseWriter {
 public:
  Headers& headers() override { return headers_; }
  void write_header(int status) override {
    if (status_ == 0) status_ = status;
  }
  bool write(std::string_view data) override {
    bytes_ += data.size();
    return true;
  }
  bool flush() override { return true; }
  bool send_file(FileSlice) override { return true; }
  DeferredResponse defer() override { return {}; }
  [[nodiscard]] int status() const noexcept override { return status_; }
  [[nodiscard]] std::uint64_t bytes_written() const noexcept override { return bytes_; }
  void on_finish(std::function<void(const ResponseStats&)>) override {}
  void reset() {
    headers_.clear();
    status_ = 0;
    bytes_ = 0;
  }

 private:
  Headers headers_;
  int status_ = 0;
  std::uint64_t bytes_ = 0;
};

// Each API resource contributes ten routes: static, single-wildcard and multi-wildcard
// patterns with methods, as a typical JSON API plus its assets would register them.
constexpr int kRoutesPerResource = 10;

ServeMux make_mux(int routes) {
  ServeMux mux;
  Handler noop = [](ResponseWriter& w, Request&) { w.write_header(200); };
  for (int k = 0; k < routes / kRoutesPerResource; ++k) {
    std::string res = "/api/v1/resource" + std::to_string(k);
    mux.handle("GET " + res, noop);
    mux.handle("POST " + res, noop);
    mux.handle("GET " + res + "/search", noop);
    mux.handle("GET " + res + "/{id}", noop);
    mux.handle("PUT " + res + "/{id}", noop);
    mux.handle("DELETE " + res + "/{id}", noop);
    mux.handle("GET " + res + "/{id}/history", noop);
    mux.handle("GET " + res + "/{id}/members/{member}", noop);
    mux.handle("GET " + res + "/{id}/files/{path...}", noop);
    mux.handle("/assets/resource" + std::to_string(k) + "/", noop);
  }
  return mux;
}

// make_requests builds 256 requests spread over the resources and over every route shape.
std::vector<Request> make_requests(int routes) {
  std::mt19937 rng(42);
  int resources = routes / kRoutesPerResource;
  std::vector<Request> out;
  for (int i = 0; i < 256; ++i) {
    std::string k = std::to_string(rng() % static_cast<unsigned>(resources));
    std::string res = "/api/v1/resource" + k;
    std::string id = std::to_string(rng() % 100000);
    std::string method = "GET", target;
    switch (i % 9) {
      case 0: target = res; break;
      case 1:
        method = "POST";
        target = res;
        break;
      case 2: target = res + "/search?q=abc"; break;
      case 3: target = res + "/" + id; break;
      case 4:
        method = "PUT";
        target = res + "/" + id;
        break;
      case 5: target = res + "/" + id + "/history"; break;
      case 6: target = res + "/" + id + "/members/user%20" + id; break;
      case 7: target = res + "/" + id + "/files/docs/2024/report.pdf"; break;
      default: target = "/assets/resource" + k + "/js/app." + id + ".js"; break;
    }
    Request r(method, target);
    r.set_host("api.example.com:8080");
    out.push_back(std::move(r));
  }
  return out;
}

void report_allocs(benchmark::State& state, std::uint64_t before) {
  state.counters["allocs/op"] =
      benchmark::Counter(static_cast<double>(g_allocs.load() - before), benchmark::Counter::kAvgIterations);
}

void BM_ServeMuxServe(benchmark::State& state) {
  int routes = static_cast<int>(state.range(0));
  ServeMux mux = make_mux(routes);
  std::vector<Request> pristine = make_requests(routes);
  std::vector<Request> work = pristine;  // warmed copies whose memory gets reused
  NullWriter w;
  // One pass to size every buffer (path values, pattern) before counting.
  for (std::size_t i = 0; i < work.size(); ++i) mux.serve(w, work[i]);
  std::size_t i = 0;
  std::uint64_t before = g_allocs.load();
  for (auto _ : state) {
    Request& r = work[i];
    r = pristine[i];
    w.reset();
    mux.serve(w, r);
    benchmark::DoNotOptimize(w.status());
    if (w.status() != 200) state.SkipWithError("a request did not match");
    i = (i + 1) % work.size();
  }
  report_allocs(state, before);
}

void BM_RequestRestore(benchmark::State& state) {
  int routes = static_cast<int>(state.range(0));
  ServeMux mux = make_mux(routes);
  std::vector<Request> pristine = make_requests(routes);
  std::vector<Request> work = pristine;
  NullWriter w;
  for (std::size_t i = 0; i < work.size(); ++i) mux.serve(w, work[i]);
  std::size_t i = 0;
  std::uint64_t before = g_allocs.load();
  for (auto _ : state) {
    Request& r = work[i];
    r = pristine[i];
    w.reset();
    benchmark::DoNotOptimize(r);
    i = (i + 1) % work.size();
  }
  report_allocs(state, before);
}

void BM_ServeMuxHandler(benchmark::State& state) {
  int routes = static_cast<int>(state.range(0));
  ServeMux mux = make_mux(routes);
  std::vector<Request> requests = make_requests(routes);
  std::size_t i = 0;
  std::uint64_t before = g_allocs.load();
  for (auto _ : state) {
    HandlerMatch m = mux.handler(requests[i]);
    benchmark::DoNotOptimize(m);
    if (m.pattern.empty()) state.SkipWithError("a request did not match");
    i = (i + 1) % requests.size();
  }
  report_allocs(state, before);
}

BENCHMARK(BM_ServeMuxServe)->Arg(10)->Arg(100)->Arg(1000);
BENCHMARK(BM_RequestRestore)->Arg(10)->Arg(100)->Arg(1000);
BENCHMARK(BM_ServeMuxHandler)->Arg(10)->Arg(100)->Arg(1000);

}  // namespace
