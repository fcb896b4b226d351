// GPU labelling against the CPU labelling: labels must be identical, voxel for voxel.
#include <random>
#include <vector>

#include "gpu/device_buffer.hpp"
#include "medkern/labeling.hpp"
#include "support/catch.hpp"
#include "support/random_volumes.hpp"

using namespace medkern;

namespace {

// Random balls: components of many sizes and shapes, touching each other at random.
std::vector<uint8_t> random_balls(const Shape3& shape, uint64_t seed, int balls) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> mask(test::numel(shape), 0);
  for (int b = 0; b < balls; ++b) {
    const int64_t cz = rng() % shape[0], cy = rng() % shape[1], cx = rng() % shape[2];
    const int64_t r = 1 + rng() % 6;
    for (int64_t z = std::max<int64_t>(0, cz - r); z <= std::min(shape[0] - 1, cz + r); ++z)
      for (int64_t y = std::max<int64_t>(0, cy - r); y <= std::min(shape[1] - 1, cy + r); ++y)
        for (int64_t x = std::max<int64_t>(0, cx - r); x <= std::min(shape[2] - 1, cx + r); ++x)
          if ((z - cz) * (z - cz) + (y - cy) * (y - cy) + (x - cx) * (x - cx) <= r * r)
            mask[(z * shape[1] + y) * shape[2] + x] = 1;
  }
  return mask;
}

}  // namespace

TEST_CASE("GPU labelling equals CPU labelling", "[gpu][labeling]") {
  const uint64_t seed = test::fresh_seed();
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  const std::vector<Shape3> shapes = {{1, 1, 1},   {1, 37, 53},   {7, 1, 40},
                                      {9, 17, 23}, {33, 65, 129}, {64, 128, 128}};
  for (const Shape3& shape : shapes) {
    for (double density : {0.05, 0.3, 0.6}) {
      const auto noise = test::random_mask(shape, seed, density);
      const auto balls = random_balls(shape, seed + 1, int(test::numel(shape) / 2000) + 1);
      for (const auto* mask : {&noise, &balls}) {
        for (int connectivity : {4, 6, 8, 18, 26}) {
          INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2]
                       << " density " << density << " connectivity " << connectivity);
          std::vector<int32_t> expected(mask->size(), -1);
          const int64_t expected_count =
              label_components(cpu, make_view(mask->data(), shape),
                               make_view(expected.data(), shape), {connectivity});
          auto device_mask = test::to_device(gpu, *mask, shape);
          Volume<int32_t> device_labels(gpu, shape);
          CHECK(label_components(gpu, device_mask, device_labels, {connectivity}) ==
                expected_count);
          CHECK(test::to_host<int32_t>(gpu, device_labels) == expected);
          // Host arguments on the CUDA context.
          std::vector<int32_t> host_labels(mask->size(), -1);
          CHECK(label_components(gpu, make_view(mask->data(), shape),
                                 make_view(host_labels.data(), shape),
                                 {connectivity}) == expected_count);
          CHECK(host_labels == expected);
        }
      }
    }
  }
}

TEST_CASE("GPU labelling of a strided view", "[gpu][labeling]") {
  const uint64_t seed = test::fresh_seed();
  INFO("seed " << seed);
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  const Shape3 shape{8, 20, 30};
  const auto mask = test::random_mask(shape, seed, 0.5);
  auto device_mask = test::to_device(gpu, mask, shape);
  // Every other x, reversed y.
  VolumeView<uint8_t> strided{
      device_mask.data() + 19 * 30, {8, 20, 15}, {600, -30, 2}, {1, 1, 1}, gpu.device()};
  VolumeView<const uint8_t> host_strided{mask.data() + 19 * 30, {8, 20, 15}, {600, -30, 2}};
  std::vector<int32_t> expected(8 * 20 * 15), actual(8 * 20 * 15);
  const int64_t n = label_components(cpu, host_strided, make_view(expected.data(), {8, 20, 15}));
  CHECK(label_components(gpu, strided, make_view(actual.data(), {8, 20, 15})) == n);
  CHECK(actual == expected);
}
