// The CUDA threshold and Otsu against the CPU's on fresh random inputs and edge-case shapes:
// masks and thresholds must be identical.
#include <cuda_runtime_api.h>

#include <cmath>
#include <vector>

#include "gpu/sweep.hpp"
#include "medkern/threshold.hpp"
#include "support/catch.hpp"
#include "support/device_copies.hpp"
#include "support/random_volumes.hpp"

using namespace medkern;

namespace {

template <class T>
void check_threshold(const ThresholdParams& params) {
  const uint64_t seed = test::fresh_seed();
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  for (const Shape3& shape : test::kSweepShapes) {
    INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2]);
    const auto values = test::random_of<T>(shape, seed);
    std::vector<uint8_t> expected(values.size(), 99), host_out(values.size(), 99);
    threshold(cpu, make_view(values.data(), shape), make_view(expected.data(), shape), params);
    threshold(gpu, make_view(values.data(), shape), make_view(host_out.data(), shape), params);
    CHECK(host_out == expected);
    auto device_values = test::to_device(gpu, values, shape);
    Volume<uint8_t> device_out(gpu, shape);
    cudaMemset(device_out.data(), 99, device_out.numel());
    threshold(gpu, device_values, device_out, params);
    CHECK(test::to_host<uint8_t>(gpu, device_out) == expected);
  }
}

}  // namespace

TEST_CASE("GPU threshold equals CPU threshold", "[gpu][threshold]") {
  check_threshold<int16_t>({130.0, 3000.0, 1, 0});
  check_threshold<int16_t>({-500.5, 200.7, 255, 3});
  check_threshold<uint16_t>({1000.0, 40000.0, 1, 0});
  check_threshold<float>({0.3, 50.0, 1, 0});
  check_threshold<float>({-INFINITY, 0.0, 9, 2});
}

TEST_CASE("GPU Otsu equals CPU Otsu", "[gpu][otsu]") {
  const uint64_t seed = test::fresh_seed();
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  for (const Shape3& shape : test::kSweepShapes) {
    if (test::numel(shape) < 2) continue;
    INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2]);
    const auto ct = test::random_ct(shape, seed);
    const auto fl = test::random_float(shape, seed, 0.01);
    const auto mask = test::random_mask(shape, seed + 2, 0.7);
    const VolumeRef mask_ref = make_view(mask.data(), shape);
    CHECK(otsu_threshold(gpu, make_view(ct.data(), shape), nullptr) ==
          otsu_threshold(cpu, make_view(ct.data(), shape), nullptr));
    CHECK(otsu_threshold(gpu, make_view(fl.data(), shape), &mask_ref, {128}) ==
          otsu_threshold(cpu, make_view(fl.data(), shape), &mask_ref, {128}));
  }
}
