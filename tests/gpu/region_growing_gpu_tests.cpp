#include <cmath>
#include <string>
#include <vector>

#include "medkern/region_growing.hpp"
#include "support/catch.hpp"
#include "support/device_copies.hpp"
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

// ------------------------------------------------------------------ confidence connected

namespace {

bool same(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

template <class T>
void check_confidence_gpu_equals_cpu(const std::vector<T>& values, const Shape3& shape,
                                     uint64_t seed) {
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  const std::vector<std::vector<Seed>> seed_sets{
      {{0, 0, 0}},
      {{shape[0] / 2, shape[1] / 2, shape[2] / 2}, {shape[0] - 1, shape[1] - 1, shape[2] - 1}},
      {{shape[0] / 3, shape[1] / 4, shape[2] / 5},
       {shape[0] / 3, shape[1] / 4, shape[2] / 5},
       {0, shape[1] - 1, 0}}};
  struct Case {
    int radius, iterations, connectivity;
    double multiplier;
  };
  for (const auto& seeds : seed_sets) {
    for (const Case& c :
         test::cases<Case>({{1, 4, 6, 2.5}, {0, 3, 26, 2.0}, {2, 2, 18, 1.5}, {1, 0, 8, 3.0}})) {
      INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2]
                   << " radius " << c.radius << " iterations " << c.iterations << " connectivity "
                   << c.connectivity << " seeds " << seeds.size());
      ConfidenceConnectedParams params;
      params.multiplier = c.multiplier;
      params.iterations = c.iterations;
      params.initial_radius = c.radius;
      params.connectivity = c.connectivity;
      std::vector<uint8_t> expected(values.size(), 7), actual(values.size(), 7);
      const auto s_cpu = confidence_connected(cpu, make_view(values.data(), shape), seeds,
                                              make_view(expected.data(), shape), params);
      const auto s_gpu = confidence_connected(gpu, make_view(values.data(), shape), seeds,
                                              make_view(actual.data(), shape), params);
      CHECK(actual == expected);
      CHECK(same(s_gpu.mean, s_cpu.mean));
      CHECK(same(s_gpu.variance, s_cpu.variance));
      CHECK(same(s_gpu.lower, s_cpu.lower));
      CHECK(same(s_gpu.upper, s_cpu.upper));
      CHECK(s_gpu.iterations == s_cpu.iterations);
      auto device_values = test::to_device(gpu, values, shape);
      Volume<uint8_t> device_out(gpu, shape);
      confidence_connected(gpu, device_values, seeds, device_out, params);
      CHECK(test::to_host<uint8_t>(gpu, device_out) == expected);
    }
  }
}

}  // namespace

TEST_CASE("GPU confidence connected equals CPU confidence connected",
          "[gpu][region_growing][confidence]") {
  const uint64_t seed = test::fresh_seed();
  // Sizes that are not multiples of the 8192-voxel chunks, a single voxel, thin slabs.
  for (const Shape3& shape :
       test::cases<Shape3>({{1, 1, 1}, {5, 33, 47}, {1, 128, 200}, {70, 3, 2}, {40, 64, 96}})) {
    check_confidence_gpu_equals_cpu(test::random_ct(shape, seed), shape, seed);
    if (!test::quick()) {  // quick: the first and the last input kind
      check_confidence_gpu_equals_cpu(test::random_uint16(shape, seed + 1), shape, seed);
      check_confidence_gpu_equals_cpu(test::random_float(shape, seed + 2, 0.01), shape, seed);
    }
    check_confidence_gpu_equals_cpu(test::random_float(shape, seed + 3), shape, seed);
  }
}

TEST_CASE("GPU region growing refuses 2^31 voxels before staging them", "[gpu][region_growing]") {
  // One device voxel seen through zero strides as 2^31 of them: staging it would gather
  // 4 GiB before the labelling refused it; the refusal must come first.
  auto gpu = Context::cuda(0);
  Volume<int16_t> one(gpu, {1, 1, 1});
  Volume<uint8_t> out(gpu, {1, 1, 1});
  const Shape3 shape{2048, 1024, 1024};
  const VolumeView<const int16_t> input{one.data(), shape, {0, 0, 0}, {1, 1, 1}, gpu.device()};
  const VolumeView<uint8_t> output{out.data(), shape, {0, 0, 0}, {1, 1, 1}, gpu.device()};
  auto check_refused = [&](auto&& run) {
    try {
      run();
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.status() == Status::overflow);
      CHECK(std::string(e.what()).find("input: 2147483648 voxels") == 0);
    }
  };
  check_refused([&] { connected_threshold(gpu, input, {{0, 0, 0}}, output, {0.0, 200.0, 6}); });
  check_refused([&] { confidence_connected(gpu, input, {{0, 0, 0}}, output, {}); });
}
