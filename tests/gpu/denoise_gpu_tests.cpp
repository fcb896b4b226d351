// GPU median and anisotropic diffusion against the CPU on fresh random data: the median
// identical (it selects an input value), the diffusion within kDiffusionTolerance.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "medkern/denoise.hpp"
#include "support/catch.hpp"
#include "support/device_copies.hpp"
#include "support/random_volumes.hpp"

using namespace medkern;

namespace {

// Sizes below, at and across the 32 x 8 x 8 tiles, thin slabs, one voxel.
const std::vector<Shape3> kShapes = {{1, 1, 1},  {1, 1, 7},     {3, 5, 7},   {1, 33, 65},
                                     {9, 1, 40}, {17, 31, 129}, {40, 64, 96}};

const std::vector<std::array<int, 3>> kRadii = {{1, 1, 1}, {2, 2, 2}, {3, 3, 3}, {0, 1, 1},
                                                {1, 0, 2}, {0, 0, 3}, {3, 1, 2}};

// Bit-for-bit equality, so that NaN equals NaN and -0.0 differs from +0.0.
template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// Radius (1, 1, 1) runs median_cube, tiles of 16 x 8 x 32 (z, y, x): shapes below, at and
// above a tile and two tiles on each axis, odd z (a pair's second output past the end).
const std::vector<Shape3> kCubeShapes = {{15, 7, 31},  {16, 8, 32}, {17, 9, 33},
                                         {32, 16, 64}, {1, 8, 32},  {2, 2, 2},
                                         {31, 3, 97},  {47, 23, 5}, {33, 17, 65}};

template <class T>
void check_median(const std::vector<T>& values, const Shape3& shape, uint64_t seed,
                  const std::vector<std::array<int, 3>>& radii) {
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  for (const auto& radius : radii) {
    INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2]
                 << " radius " << radius[0] << "," << radius[1] << "," << radius[2]);
    const MedianParams params{radius};
    std::vector<T> expected(values.size()), actual(values.size());
    median(cpu, make_view(values.data(), shape), make_view(expected.data(), shape), params);
    // Host input and output on the CUDA context (staged).
    median(gpu, make_view(values.data(), shape), make_view(actual.data(), shape), params);
    CHECK(same_bits(actual, expected));
    // Device-resident input and output.
    auto device_values = test::to_device(gpu, values, shape);
    Volume<T> device_out(gpu, shape);
    median(gpu, device_values, device_out, params);
    CHECK(same_bits(test::to_host<T>(gpu, device_out), expected));
  }
}

}  // namespace

TEST_CASE("GPU median equals CPU median", "[gpu][denoise]") {
  const uint64_t seed = test::fresh_seed();
  const auto radii = test::cases(kRadii);
  for (const Shape3& shape : test::cases(kShapes)) {
    check_median(test::random_ct(shape, seed), shape, seed, radii);
    check_median(test::random_uint16(shape, seed + 1), shape, seed, radii);
    check_median(test::random_float(shape, seed + 2), shape, seed, radii);
    check_median(test::random_float(shape, seed + 3, 0.3), shape, seed, radii);  // NaN
  }
}

TEST_CASE("GPU median of radius 1 across tile edges", "[gpu][denoise]") {
  const uint64_t seed = test::fresh_seed();
  const std::vector<std::array<int, 3>> cube{{1, 1, 1}};
  for (const Shape3& shape : test::cases(kCubeShapes)) {
    check_median(test::random_ct(shape, seed), shape, seed, cube);
    check_median(test::random_uint16(shape, seed + 1), shape, seed, cube);
    check_median(test::random_float(shape, seed + 2), shape, seed, cube);
    check_median(test::random_float(shape, seed + 3, 0.3), shape, seed, cube);  // NaN
    // Few distinct values: many ties.
    auto ties = test::random_ct(shape, seed + 4);
    for (auto& v : ties) v = int16_t(v % 3 == 0 ? -32768 : (v % 3 == 1 ? 32767 : 0));
    check_median(ties, shape, seed, cube);
  }
}

TEST_CASE("GPU median of strided device views", "[gpu][denoise]") {
  const uint64_t seed = test::fresh_seed();
  INFO("seed " << seed);
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  const Shape3 base{10, 20, 42};
  const auto values = test::random_float(base, seed);
  auto device_values = test::to_device(gpu, values, base);
  // Every other x, y reversed.
  const Shape3 shape{10, 20, 21};
  VolumeView<float> view{device_values.data() + (base[1] - 1) * base[2],
                         shape,
                         {base[1] * base[2], -base[2], 2},
                         {1, 1, 1},
                         Device::cuda(0)};
  VolumeView<const float> host_view{values.data() + (base[1] - 1) * base[2],
                                    shape,
                                    {base[1] * base[2], -base[2], 2},
                                    {1, 1, 1},
                                    Device::host()};
  std::vector<float> expected(shape[0] * shape[1] * shape[2]);
  for (const std::array<int, 3>& radius : {std::array<int, 3>{1, 2, 1}, {1, 1, 1}}) {
    INFO("radius " << radius[0] << "," << radius[1] << "," << radius[2]);
    median(cpu, host_view, make_view(expected.data(), shape), {radius});
    Volume<float> device_out(gpu, shape);
    median(gpu, view, device_out, {radius});
    CHECK(same_bits(test::to_host<float>(gpu, device_out), expected));
  }
}

// The GPU computes ITK's operations in the same order as the CPU (rounded double products and
// sums, no FMA); exp may differ in the last bit of a double and the mean gradient is summed
// in another order, which moves a float result by at most an ulp or so per iteration.
constexpr double kDiffusionTolerance = 1e-5;  // of max(1, max |input|)

template <class T>
void check_diffusion(const std::vector<T>& values, const Shape3& shape, const Spacing3& spacing,
                     uint64_t seed) {
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  double scale = 1.0;
  for (T v : values) scale = std::max(scale, std::fabs(double(v)));
  const double min_spacing = std::min({spacing[0], spacing[1], spacing[2]});
  for (const AnisotropicDiffusionParams& params :
       {AnisotropicDiffusionParams{0, 0.0625 * min_spacing, 1.0},
        AnisotropicDiffusionParams{1, 0.0625 * min_spacing, 0.5},
        AnisotropicDiffusionParams{5, 0.05 * min_spacing, 2.0}}) {
    INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2]
                 << " iterations " << params.iterations << " spacing " << spacing[0] << ","
                 << spacing[1] << "," << spacing[2]);
    const VolumeView<const T> host_in{values.data(), shape, contiguous_strides(shape), spacing,
                                      Device::host()};
    std::vector<float> expected(values.size()), actual(values.size());
    anisotropic_diffusion(cpu, host_in, make_view(expected.data(), shape), params);
    anisotropic_diffusion(gpu, host_in, make_view(actual.data(), shape), params);
    double worst = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      worst = std::max(worst, std::fabs(double(actual[i]) - double(expected[i])));
    }
    CHECK(worst <= kDiffusionTolerance * scale);
    auto device_values = test::to_device(gpu, values, shape);
    VolumeView<T> device_in = device_values.view();
    device_in.spacing = spacing;
    Volume<float> device_out(gpu, shape);
    anisotropic_diffusion(gpu, device_in, device_out, params);
    CHECK(test::to_host<float>(gpu, device_out) == actual);  // deterministic on the GPU
  }
}

TEST_CASE("GPU anisotropic diffusion equals CPU anisotropic diffusion", "[gpu][denoise]") {
  const uint64_t seed = test::fresh_seed();
  for (const Shape3& shape : test::cases(kShapes)) {
    check_diffusion(test::random_ct(shape, seed), shape, {1, 1, 1}, seed);
    check_diffusion(test::random_uint16(shape, seed + 1), shape, {2.5, 0.7, 0.7}, seed);
    check_diffusion(test::random_float(shape, seed + 2), shape, {1, 0.5, 2}, seed);
  }
}

TEST_CASE("GPU anisotropic diffusion refuses NaN as the CPU does", "[gpu][denoise]") {
  auto gpu = Context::cuda(0);
  auto values = test::random_float({4, 8, 40}, test::fresh_seed(), 0.01);
  values[3] = std::nanf("");
  std::vector<float> out(values.size());
  CHECK_THROWS_AS(anisotropic_diffusion(gpu, make_view(values.data(), {4, 8, 40}),
                                        make_view(out.data(), {4, 8, 40}), {2, 0.0625, 1.0}),
                  Error);
}

TEST_CASE("GPU anisotropic diffusion refuses overflowing values as the CPU does",
          "[gpu][denoise]") {
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  const Shape3 shape{3, 4, 20};
  const AnisotropicDiffusionParams params{2, 0.0625, 1.0};
  // Peaks of 3e38 among zeros: no difference overflows, the update of each peak does.
  std::vector<float> peaks(test::numel(shape), 0.0f);
  for (std::size_t i = 7; i < peaks.size(); i += 11) peaks[i] = 3e38f;
  // Values near the largest float32 with a small span: these must diffuse.
  std::vector<float> high(test::numel(shape));
  for (std::size_t i = 0; i < high.size(); ++i) high[i] = 3e38f + float(i % 5) * 5e36f;
  auto status_of = [&](const Context& ctx, const VolumeRef& in, const VolumeRef& out) {
    try {
      anisotropic_diffusion(ctx, in, out, params);
    } catch (const Error& e) {
      return std::string(e.what()).substr(0, 17);
    }
    return std::string("ok");
  };
  for (const auto* values : {&peaks, &high}) {
    std::vector<float> expected(values->size()), actual(values->size());
    const std::string cpu_status =
        status_of(cpu, make_view(values->data(), shape), make_view(expected.data(), shape));
    CHECK(cpu_status == (values == &peaks ? "input: values fro" : "ok"));
    // Host arguments on the CUDA context, then device-resident ones.
    CHECK(status_of(gpu, make_view(values->data(), shape), make_view(actual.data(), shape)) ==
          cpu_status);
    auto device_in = test::to_device(gpu, *values, shape);
    Volume<float> device_out(gpu, shape);
    CHECK(status_of(gpu, device_in, device_out) == cpu_status);
    if (cpu_status == "ok") {
      for (float v : test::to_host<float>(gpu, device_out)) CHECK(std::isfinite(v));
    }
  }
}
