// Where data lives: an op on a context that cannot reach its inputs is an error naming the
// device.
#include <string>

#include "medkern/histogram.hpp"
#include "support/catch.hpp"

using namespace medkern;

TEST_CASE("GPU ops reject data of another device and the wrong context", "[gpu][errors]") {
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  Volume<int16_t> device_values(gpu, {2, 2, 2});
  try {
    histogram(cpu, device_values, {4, 0.0, 1.0});
    FAIL("a CPU context accepted device memory");
  } catch (const Error& e) {
    CHECK(e.status() == Status::invalid_argument);
    CHECK(std::string(e.what()).find("cuda:0") != std::string::npos);
  }
}
