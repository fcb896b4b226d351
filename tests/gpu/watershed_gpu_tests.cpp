#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "medkern/watershed.hpp"
#include "support/catch.hpp"
#include "support/device_copies.hpp"
#include "support/random_volumes.hpp"

using namespace medkern;

namespace {

// Markers on about `fraction` of the voxels, labelled 1, 2, 3, ... in raster order.
std::vector<int32_t> sparse_markers(const Shape3& shape, uint64_t seed, double fraction) {
  const auto where = test::random_mask(shape, seed, fraction);
  std::vector<int32_t> markers(where.size(), 0);
  int32_t next = 0;
  for (std::size_t i = 0; i < where.size(); ++i) {
    if (where[i] != 0) markers[i] = ++next;
  }
  return markers;
}

// A bowl with noise: long flood paths that cross many relaxation tiles.
std::vector<float> bowl(const Shape3& shape, uint64_t seed) {
  auto values = test::random_float(shape, seed, 0.001);
  for (int64_t z = 0; z < shape[0]; ++z)
    for (int64_t y = 0; y < shape[1]; ++y)
      for (int64_t x = 0; x < shape[2]; ++x) {
        const double dz = z - shape[0] / 2.0, dy = y - shape[1] / 2.0, dx = x - shape[2] / 2.0;
        float& v = values[(z * shape[1] + y) * shape[2] + x];
        v = float((dz * dz + dy * dy + dx * dx) * 10.0) + (v == v ? v * 0.01f : v);
      }
  return values;
}

// Terraces: a smooth relief quantised to `levels` values, so plateaus span many relaxation
// tiles and are entered from many voxels at once (the tie rule's via keys decide there).
std::vector<int16_t> terraces(const Shape3& shape, uint64_t seed, int levels) {
  std::vector<int16_t> values(test::numel(shape));
  const double phase = double(seed % 1000) * 0.001 * 6.283185307179586;
  for (int64_t z = 0; z < shape[0]; ++z)
    for (int64_t y = 0; y < shape[1]; ++y)
      for (int64_t x = 0; x < shape[2]; ++x) {
        const double f = 0.5 + 0.5 * std::sin(0.23 * x + phase) * std::cos(0.19 * y) *
                                   std::cos(0.31 * z + phase);
        values[(z * shape[1] + y) * shape[2] + x] = int16_t(std::min(levels - 1, int(f * levels)));
      }
  return values;
}

template <class T>
void check_watershed(const std::vector<T>& elevation, const Shape3& shape, uint64_t seed) {
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  const auto markers = sparse_markers(shape, seed + 1, 0.002);
  const auto mask = test::random_mask(shape, seed + 2, 0.9);
  for (int connectivity : test::cases<int>({6, 18, 26})) {
    for (bool masked : {false, true}) {
      INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2]
                   << " connectivity " << connectivity << " masked " << masked);
      const VolumeRef mask_view = make_view(mask.data(), shape);
      const VolumeRef* m = masked ? &mask_view : nullptr;
      std::vector<int32_t> expected(elevation.size(), 7), actual(elevation.size(), 7);
      watershed(cpu, make_view(elevation.data(), shape), make_view(markers.data(), shape), m,
                make_view(expected.data(), shape), {connectivity});
      auto device_elevation = test::to_device(gpu, elevation, shape);
      auto device_markers = test::to_device(gpu, markers, shape);
      Volume<int32_t> device_labels(gpu, shape);
      watershed(gpu, device_elevation, device_markers, m, device_labels, {connectivity});
      actual = test::to_host<int32_t>(gpu, device_labels);
      CHECK(actual == expected);
      // In place: the labels overwrite the markers.
      watershed(gpu, device_elevation, device_markers, m, device_markers, {connectivity});
      CHECK(test::to_host<int32_t>(gpu, device_markers) == expected);

      std::vector<int32_t> cpu_minima(elevation.size()), gpu_minima(elevation.size());
      const int64_t cpu_count =
          regional_minima(cpu, make_view(elevation.data(), shape),
                          make_view(cpu_minima.data(), shape), {connectivity});
      Volume<int32_t> device_minima(gpu, shape);
      const int64_t gpu_count =
          regional_minima(gpu, device_elevation, device_minima, {connectivity});
      CHECK(gpu_count == cpu_count);
      CHECK(test::to_host<int32_t>(gpu, device_minima) == cpu_minima);
    }
  }
}

const std::vector<Shape3> kShapes = {{1, 1, 5}, {3, 17, 29}, {24, 40, 56}};

}  // namespace

// One test case per input kind, so that the slow compute-sanitizer runs can take them apart.
TEST_CASE("GPU watershed and regional minima of int16 equal CPU", "[gpu][watershed]") {
  const uint64_t seed = test::fresh_seed();
  for (const Shape3& shape : test::cases(kShapes)) {
    check_watershed(test::random_ct(shape, seed), shape, seed);  // many ties
  }
}

TEST_CASE("GPU watershed and regional minima of uint16 equal CPU", "[gpu][watershed]") {
  const uint64_t seed = test::fresh_seed();
  for (const Shape3& shape : test::cases(kShapes)) {
    check_watershed(test::random_uint16(shape, seed), shape, seed);  // many ties
  }
}

TEST_CASE("GPU watershed and regional minima of float32 equal CPU", "[gpu][watershed]") {
  const uint64_t seed = test::fresh_seed();
  for (const Shape3& shape : test::cases(kShapes)) {
    check_watershed(bowl(shape, seed), shape, seed);  // long paths, NaN
  }
}

TEST_CASE("GPU watershed and regional minima of terraced plateaus equal CPU", "[gpu][watershed]") {
  const uint64_t seed = test::fresh_seed();
  for (const Shape3& shape : test::cases(kShapes)) {
    for (int levels : {4, 12}) check_watershed(terraces(shape, seed, levels), shape, seed);
  }
}
