#include <vector>

#include "gpu/device_buffer.hpp"
#include "medkern/region_growing.hpp"
#include "support/catch.hpp"
#include "support/random_volumes.hpp"

using namespace medkern;

TEST_CASE("GPU connected threshold equals CPU connected threshold", "[gpu][region_growing]") {
  const uint64_t seed = test::fresh_seed();
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  for (const Shape3& shape : std::vector<Shape3>{{1, 1, 1}, {5, 33, 47}, {40, 64, 96}}) {
    const auto values = test::random_ct(shape, seed);
    const std::vector<Seed> seeds{{0, 0, 0},
                                  {shape[0] / 2, shape[1] / 2, shape[2] / 2},
                                  {shape[0] - 1, shape[1] - 1, shape[2] - 1}};
    for (int connectivity : {6, 26, 8}) {
      INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2]
                   << " connectivity " << connectivity);
      const ConnectedThresholdParams params{-200.0, 500.0, connectivity};
      std::vector<uint8_t> expected(values.size(), 7), actual(values.size(), 7);
      connected_threshold(cpu, make_view(values.data(), shape), seeds,
                          make_view(expected.data(), shape), params);
      connected_threshold(gpu, make_view(values.data(), shape), seeds,
                          make_view(actual.data(), shape), params);
      CHECK(actual == expected);
      auto device_values = test::to_device(gpu, values, shape);
      Volume<uint8_t> device_out(gpu, shape);
      connected_threshold(gpu, device_values, seeds, device_out, params);
      CHECK(test::to_host<uint8_t>(gpu, device_out) == expected);
    }
  }
}
