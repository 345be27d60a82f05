// A program that uses nethttp::testing the way a project's own tests would: it calls a
// handler through a ResponseRecorder and checks what was recorded, so a missing or broken
// nethttp::testing export fails the package tests.
#include <cstdio>
#include <string>

#include <nethttp/nethttp.hpp>
#include <nethttp/testing.hpp>

int main() {
  nethttp::Handler h([](nethttp::ResponseWriter& w, nethttp::Request&) {
    w.write_header(nethttp::Status::Created);
    w.write("made");
  });
  nethttp::Request r;
  auto rec = nethttp::testing::serve(h, r);
  if (rec->code() != 201 || rec->body() != "made") {
    std::fprintf(stderr, "consumer_testing: got %d %s\n", rec->code(), rec->body().c_str());
    return 1;
  }
  std::printf("consumer_testing: ResponseRecorder recorded 201 made\n");
  return 0;
}
