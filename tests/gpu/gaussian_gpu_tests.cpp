// GPU gaussian against the CPU's, within 1e-6 of the largest magnitude (NaN where the CPU has
// NaN). Radii beyond kFloat32SumMaxRadius take the double path, which agrees bit for bit; up
// to it the GPU sums in float32 (about 3e-7 of the largest magnitude, docs/design.md).
#include <algorithm>
#include <cmath>
#include <vector>

#include "gpu/close_to.hpp"
#include "medkern/gaussian.hpp"
#include "support/catch.hpp"
#include "support/device_copies.hpp"
#include "support/random_volumes.hpp"

using namespace medkern;

namespace {

constexpr double kTolerance = 1e-6;

template <class T>
void check_gaussian_gpu_equals_cpu(const std::vector<T>& values, const Shape3& shape,
                                   const Spacing3& spacing, const GaussianParams& params) {
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  std::vector<float> expected(values.size(), -7.0f), actual(values.size(), -7.0f);
  const auto in = make_view(values.data(), shape, spacing);
  gaussian(cpu, in, make_view(expected.data(), shape), params);
  // Host buffers through the GPU context (staged).
  gaussian(gpu, in, make_view(actual.data(), shape), params);
  CHECK(test::close_to(actual, expected, kTolerance));
  // Device-resident input and output.
  auto device_in = test::to_device(gpu, values, shape);
  VolumeView<T> device_view = device_in.view();
  device_view.spacing = spacing;
  Volume<float> device_out(gpu, shape);
  gaussian(gpu, device_view, device_out, params);
  CHECK(test::close_to(test::to_host<float>(gpu, device_out), expected, kTolerance));
}

// Every case on int16 CT and float32 (at `spacing`) and uint16 (at unit spacing) inputs of
// every shape.
void check_shapes_and_cases(const std::vector<Shape3>& shapes,
                            const std::vector<GaussianParams>& cases, const Spacing3& spacing,
                            uint64_t seed) {
  for (const Shape3& shape : shapes) {
    const auto ct = test::random_ct(shape, seed);
    const auto mr = test::random_uint16(shape, seed + 1);
    const auto fl = test::random_float(shape, seed + 2, 0.001);
    for (const GaussianParams& params : cases) {
      INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2]
                   << " sigma_mm " << params.sigma_mm[0] << ", " << params.sigma_mm[1] << ", "
                   << params.sigma_mm[2] << " truncate " << params.truncate);
      check_gaussian_gpu_equals_cpu(ct, shape, spacing, params);
      check_gaussian_gpu_equals_cpu(mr, shape, {1.0, 1.0, 1.0}, params);
      check_gaussian_gpu_equals_cpu(fl, shape, spacing, params);
    }
  }
}

}  // namespace

TEST_CASE("GPU gaussian equals CPU gaussian", "[gpu][gaussian]") {
  const uint64_t seed = test::fresh_seed();
  // Odd sizes, a single voxel, thin slabs, one slice.
  const std::vector<Shape3> shapes{{1, 1, 1},     {5, 33, 47}, {40, 64, 96},
                                   {1, 128, 200}, {70, 3, 2},  {17, 100, 35}};
  // sigma (z, y, x) in mm: the fast paths (x, y radius <= 32 in the tile, z <= 16 in
  // registers, both at their limits), axes skipped (0), conversion only, and radii beyond the
  // fast paths (the global-memory fallback on one or more axes).
  const std::vector<GaussianParams> cases{{{1.0, 1.0, 1.0}, 4.0},    {{2.0, 2.0, 2.0}, 4.0},
                                          {{0.0, 1.0, 2.5}, 4.0},    {{3.0, 0.0, 0.0}, 4.0},
                                          {{0.0, 0.0, 0.0}, 4.0},    {{4.0, 8.0, 8.0}, 4.0},
                                          {{5.0, 1.0, 1.0}, 4.0},    {{1.0, 9.0, 2.0}, 4.0},
                                          {{20.0, 12.0, 40.0}, 4.0}, {{1.5, 1.5, 1.5}, 2.0}};
  check_shapes_and_cases(shapes, cases, {1.25, 0.8, 0.6}, seed);
}

TEST_CASE("GPU gaussian float32 path equals CPU gaussian", "[gpu][gaussian]") {
  const uint64_t seed = test::fresh_seed();
  // The float32 path's blocks: in-plane strips of 128 columns (x quads with float4 stores
  // when nx % 4 == 0) down runs of 64 rows, 10 rows a step; columns of 64-slice runs. Sizes
  // below, at and just above them, nx a multiple of 4 and not, one row, one column.
  const std::vector<Shape3> shapes{{1, 1, 1},    {3, 64, 32},  {2, 65, 33},  {130, 7, 4},
                                   {9, 130, 68}, {4, 1, 100},  {5, 100, 1},  {66, 17, 31},
                                   {3, 23, 130}, {2, 64, 256}, {2, 11, 129}, {1, 129, 260}};
  // At spacing 1: every radius class of the plane pass (2, 4, 8, ry != rx), z alone (radii
  // 1..8), y alone, x alone, and radius 8 (sigma 2) on every axis, the fast path's limit.
  const std::vector<GaussianParams> cases{
      {{1.0, 1.0, 1.0}, 4.0}, {{2.0, 2.0, 2.0}, 4.0},  {{0.0, 0.5, 0.25}, 4.0},
      {{0.0, 1.0, 2.0}, 4.0}, {{0.25, 0.0, 0.0}, 4.0}, {{2.0, 0.0, 0.0}, 4.0},
      {{0.0, 1.5, 0.0}, 4.0}, {{0.0, 0.0, 1.5}, 4.0},  {{0.5, 2.0, 0.75}, 4.0}};
  check_shapes_and_cases(shapes, cases, {1.0, 1.0, 1.0}, seed);
}

TEST_CASE("GPU gaussian of strided and aliased views equals the CPU's", "[gpu][gaussian]") {
  const uint64_t seed = test::fresh_seed();
  INFO("seed " << seed);
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  const Shape3 base{12, 40, 66};
  auto values = test::random_float(base, seed);
  // Every second x and every third y of the base, on the host.
  VolumeView<const float> strided{values.data(), {12, 14, 33}, {40 * 66, 3 * 66, 2}};
  const GaussianParams params{{1.0, 2.0, 1.5}, 4.0};
  std::vector<float> expected(12 * 14 * 33), actual(expected.size());
  gaussian(cpu, strided, make_view(expected.data(), strided.shape), params);
  gaussian(gpu, strided, make_view(actual.data(), strided.shape), params);
  CHECK(test::close_to(actual, expected, kTolerance));
  // In place on the device: output and input are one buffer.
  std::vector<float> whole(values.size());
  gaussian(cpu, make_view(values.data(), base), make_view(whole.data(), base), params);
  auto device = test::to_device(gpu, values, base);
  gaussian(gpu, device, device, params);
  CHECK(test::close_to(test::to_host<float>(gpu, device), whole, kTolerance));
}
