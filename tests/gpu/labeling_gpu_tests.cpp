// GPU labelling against the CPU labelling: labels must be identical, voxel for voxel.
#include <algorithm>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

#include "labeling_backends.hpp"
#include "medkern/labeling.hpp"
#include "support/balls.hpp"
#include "support/catch.hpp"
#include "support/device_copies.hpp"
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
    test::paint_ball(mask, shape, cz, cy, cx, r);
  }
  return mask;
}

// Regions of a few values: cells of `cell` voxels per side, most voxels taking their cell's
// value and some a random one, so equal-value components cross tiles and touch each other.
template <class T>
std::vector<T> random_regions(const Shape3& shape, uint64_t seed, int cell, int values) {
  std::mt19937_64 rng(seed);
  const int64_t cz = (shape[0] + cell - 1) / cell, cy = (shape[1] + cell - 1) / cell,
                cx = (shape[2] + cell - 1) / cell;
  std::vector<int> cells(cz * cy * cx);
  for (auto& c : cells) c = int(rng() % values);
  std::vector<T> image(test::numel(shape));
  for (int64_t z = 0; z < shape[0]; ++z)
    for (int64_t y = 0; y < shape[1]; ++y)
      for (int64_t x = 0; x < shape[2]; ++x) {
        const int v = rng() % 8 == 0 ? int(rng() % values)
                                     : cells[((z / cell) * cy + y / cell) * cx + x / cell];
        image[(z * shape[1] + y) * shape[2] + x] = T(v == 0 ? 0 : 100 * v - 150);
      }
  return image;
}

// A snake of foreground that winds through every row of every slice, turning at the ends
// and climbing one slice at each end of a slice: one component whose union-find chains
// cross many tiles many times.
std::vector<uint8_t> snake(const Shape3& shape) {
  std::vector<uint8_t> mask(test::numel(shape), 0);
  for (int64_t z = 0; z < shape[0]; ++z)
    for (int64_t y = 0; y < shape[1]; y += 2) {
      for (int64_t x = 0; x < shape[2]; ++x) mask[(z * shape[1] + y) * shape[2] + x] = 1;
      if (y + 1 < shape[1]) {
        const int64_t x = (y / 2) % 2 == 0 ? shape[2] - 1 : 0;
        mask[(z * shape[1] + y + 1) * shape[2] + x] = 1;
      }
    }
  return mask;
}

}  // namespace

TEST_CASE("GPU labelling of large components across many tiles", "[gpu][labeling]") {
  const uint64_t seed = test::fresh_seed();
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  const std::vector<Shape3> shapes = {{70, 97, 133}, {3, 300, 257}, {129, 33, 65}};
  for (const Shape3& shape : shapes) {
    std::mt19937_64 rng(seed);
    // Big balls (radius up to 30) and a winding snake; their overlaps make long chains.
    std::vector<uint8_t> balls(test::numel(shape), 0);
    for (int b = 0; b < 40; ++b) {
      const int64_t cz = rng() % shape[0], cy = rng() % shape[1], cx = rng() % shape[2];
      const int64_t r = 5 + rng() % 26;
      for (int64_t z = std::max<int64_t>(0, cz - r); z <= std::min(shape[0] - 1, cz + r); ++z)
        for (int64_t y = std::max<int64_t>(0, cy - r); y <= std::min(shape[1] - 1, cy + r); ++y)
          for (int64_t x = std::max<int64_t>(0, cx - r); x <= std::min(shape[2] - 1, cx + r); ++x)
            if ((z - cz) * (z - cz) + (y - cy) * (y - cy) + (x - cx) * (x - cx) <= r * r)
              balls[(z * shape[1] + y) * shape[2] + x] = 1;
    }
    const auto winding = snake(shape);
    const std::vector<const std::vector<uint8_t>*> masks{&balls, &winding};
    for (const auto* mask : masks) {
      for (int connectivity : {4, 6, 8, 18, 26}) {
        INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2]
                     << " connectivity " << connectivity << (mask == &winding ? " snake" : ""));
        std::vector<int32_t> expected(mask->size(), -1);
        const int64_t expected_count = label_components(
            cpu, make_view(mask->data(), shape), make_view(expected.data(), shape), {connectivity});
        auto device_mask = test::to_device(gpu, *mask, shape);
        Volume<int32_t> device_labels(gpu, shape);
        CHECK(label_components(gpu, device_mask, device_labels, {connectivity}) == expected_count);
        CHECK(test::to_host<int32_t>(gpu, device_labels) == expected);
      }
    }
  }
}

TEMPLATE_TEST_CASE("GPU labelling of label images equals CPU labelling", "[gpu][labeling]", int32_t,
                   int16_t, uint16_t) {
  const uint64_t seed = test::fresh_seed();
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  const std::vector<Shape3> shapes = {
      {1, 1, 1}, {1, 37, 53}, {9, 17, 23}, {33, 65, 129}, {2, 130, 70}};
  for (const Shape3& shape : shapes) {
    for (int cell : {1, 3, 9}) {
      const auto image = random_regions<TestType>(shape, seed + cell, cell, 4);
      for (int connectivity : {4, 6, 8, 18, 26}) {
        INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2]
                     << " cell " << cell << " connectivity " << connectivity);
        std::vector<int32_t> expected(image.size(), -1);
        const int64_t expected_count = label_components(
            cpu, make_view(image.data(), shape), make_view(expected.data(), shape), {connectivity});
        auto device_image = test::to_device(gpu, image, shape);
        Volume<int32_t> device_labels(gpu, shape);
        CHECK(label_components(gpu, device_image, device_labels, {connectivity}) == expected_count);
        CHECK(test::to_host<int32_t>(gpu, device_labels) == expected);
      }
    }
  }
}

TEST_CASE("GPU equal-value labelling of float32 and uint8 (backend entry point)",
          "[gpu][labeling]") {
  const uint64_t seed = test::fresh_seed();
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  const Shape3 shape{20, 70, 90};
  auto floats = random_regions<float>(shape, seed, 4, 5);
  std::mt19937_64 rng(seed + 99);
  // NaN (equal to nothing) and -0.0 (background, as 0.0) here and there.
  for (int k = 0; k < 2000; ++k) {
    floats[rng() % floats.size()] = k % 2 ? std::numeric_limits<float>::quiet_NaN() : -0.0f;
  }
  const auto bytes = random_regions<uint8_t>(shape, seed + 1, 5, 4);
  for (int connectivity : {4, 6, 8, 18, 26}) {
    INFO("seed " << seed << " connectivity " << connectivity);
    const Neighbourhood neighbours = previous_neighbours(connectivity);
    auto check = [&](const auto& image) {
      using T = typename std::decay_t<decltype(image)>::value_type;
      std::vector<int32_t> expected(image.size(), -1);
      const int64_t expected_count = cpu::label_components(
          cpu, make_view(image.data(), shape), expected.data(), neighbours, LabelRule::equal_value);
      Volume<T> device_image = test::to_device(gpu, image, shape);
      Volume<int32_t> device_labels(gpu, shape);
      CHECK(cuda::label_components(gpu, device_image, device_labels.data(), neighbours,
                                   LabelRule::equal_value) == expected_count);
      CHECK(test::to_host<int32_t>(gpu, device_labels) == expected);
    };
    check(floats);
    check(bytes);
  }
}

TEST_CASE("GPU labelling equals CPU labelling", "[gpu][labeling]") {
  const uint64_t seed = test::fresh_seed();
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  const std::vector<Shape3> shapes = {{1, 1, 1},   {1, 37, 53},   {7, 1, 40},
                                      {9, 17, 23}, {33, 65, 129}, {64, 128, 128}};
  for (const Shape3& shape : test::cases(shapes)) {
    for (double density : test::cases<double>({0.05, 0.3, 0.6})) {
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

TEST_CASE("GPU relabelling of a label image in place equals CPU labelling", "[gpu][labeling]") {
  // The labels are the image's own memory: the passes after the first must not read the
  // image back once the first has written tile roots over it.
  const uint64_t seed = test::fresh_seed();
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  const Shape3 shape{33, 65, 129};
  const auto image = random_regions<int32_t>(shape, seed, 3, 4);
  for (int connectivity : {4, 6, 8, 18, 26}) {
    INFO("seed " << seed << " connectivity " << connectivity);
    std::vector<int32_t> expected(image.size(), -1);
    const int64_t expected_count = label_components(
        cpu, make_view(image.data(), shape), make_view(expected.data(), shape), {connectivity});
    auto device_image = test::to_device(gpu, image, shape);
    CHECK(label_components(gpu, device_image, device_image, {connectivity}) == expected_count);
    CHECK(test::to_host<int32_t>(gpu, device_image) == expected);
    // The same on the CPU context, in host memory.
    std::vector<int32_t> host = image;
    CHECK(label_components(cpu, make_view(host.data(), shape), make_view(host.data(), shape),
                           {connectivity}) == expected_count);
    CHECK(host == expected);
  }
}

TEST_CASE("GPU labelling backend stays in bounds when the image changes between its passes",
          "[gpu][labeling]") {
  // The backend entry point with the labels in the image's memory: the first pass writes tile
  // roots (and -1 for background) over the image, so the tile-joining pass reads an image
  // other than the one the first pass labelled, as it would if another stream rewrote the
  // image meanwhile. The labels are then unspecified but must stay within 0..count, and no
  // forest entry that the first pass did not write may be followed. The pool is filled with
  // far-out indices first, so that a forest entry read unwritten points out of bounds.
  const uint64_t seed = test::fresh_seed();
  auto gpu = Context::cuda(0);
  const Shape3 shape{40, 70, 90};
  const auto image = random_regions<int32_t>(shape, seed, 3, 4);
  for (int connectivity : {4, 6, 8, 18, 26}) {
    INFO("seed " << seed << " connectivity " << connectivity);
    auto device_image = test::to_device(gpu, image, shape);
    {
      const std::vector<int32_t> poison(image.size(), 0x40000000);
      auto stale = test::to_device(gpu, poison, shape);  // freed for the backend's forest
      gpu.synchronize();
    }
    int64_t count = -1;
    REQUIRE_NOTHROW(count = cuda::label_components(gpu, device_image, device_image.data(),
                                                   previous_neighbours(connectivity),
                                                   LabelRule::equal_value));
    const auto labels = test::to_host<int32_t>(gpu, device_image);
    CHECK(count >= 0);
    CHECK(count <= int64_t(labels.size()));
    CHECK(
        std::all_of(labels.begin(), labels.end(), [&](int32_t l) { return l >= 0 && l <= count; }));
  }
}
