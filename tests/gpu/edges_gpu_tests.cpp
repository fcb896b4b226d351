// GPU Sobel, gradient magnitude and Canny against the CPU's. The float outputs share the CPU's
// float32 operations in the same order (edges_backends.hpp): expected bit for bit, stated
// tolerance 1e-6 of the largest magnitude. Canny's uint8 edges must be identical.
#include <algorithm>
#include <cmath>
#include <vector>

#include "gpu/close_to.hpp"
#include "medkern/edges.hpp"
#include "medkern/gaussian.hpp"
#include "support/catch.hpp"
#include "support/device_copies.hpp"
#include "support/random_volumes.hpp"

using namespace medkern;

namespace {

constexpr double kTolerance = 1e-6;

const std::vector<Shape3>& edge_shapes() {
  // Odd sizes, a single voxel, one slice, thin slabs, more slices than a z-run (64).
  static const std::vector<Shape3> shapes{{1, 1, 1},
                                          {5, 33, 47},
                                          {1, 64, 96},
                                          {70, 3, 2},
                                          {40, 9, 65},
                                          {3, 1, 100},
                                          // z-runs of 64 with a remainder, several y and x
                                          // tiles with partial ones (the pipelined loads)
                                          {67, 20, 70}};
  return shapes;
}

// Runs `op(context, input, output)` on the CPU and on the GPU (host and device buffers) and
// compares the float32 outputs.
template <class T, class Op>
void check_float_filter(const std::vector<T>& values, const Shape3& shape, const Spacing3& spacing,
                        Op&& op) {
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  std::vector<float> expected(values.size(), -7.0f), actual(values.size(), -7.0f);
  const auto in = make_view(values.data(), shape, spacing);
  op(cpu, in, make_view(expected.data(), shape));
  op(gpu, in, make_view(actual.data(), shape));
  CHECK(test::close_to(actual, expected, kTolerance));
  auto device_in = test::to_device(gpu, values, shape);
  VolumeView<T> device_view = device_in.view();
  device_view.spacing = spacing;
  Volume<float> device_out(gpu, shape);
  op(gpu, device_view, device_out);
  CHECK(test::close_to(test::to_host<float>(gpu, device_out), expected, kTolerance));
}

template <class T>
void check_gradients(const std::vector<T>& values, const Shape3& shape, const Spacing3& spacing,
                     uint64_t seed) {
  for (int ndim = 1; ndim <= 3; ++ndim) {
    for (int axis = 3 - ndim; axis < 3; ++axis) {
      INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2]
                   << " sobel axis " << axis << " ndim " << ndim);
      check_float_filter(values, shape, spacing,
                         [&](const Context& c, const VolumeRef& in, const VolumeRef& out) {
                           sobel(c, in, out, {axis, ndim});
                         });
    }
    for (GradientMethod method : {GradientMethod::sobel, GradientMethod::central}) {
      for (bool use_spacing : {true, false}) {
        INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2]
                     << " gradient magnitude " << int(method) << " spacing " << use_spacing
                     << " ndim " << ndim);
        GradientMagnitudeParams params;
        params.method = method;
        params.use_spacing = use_spacing;
        params.ndim = ndim;
        check_float_filter(values, shape, spacing,
                           [&](const Context& c, const VolumeRef& in, const VolumeRef& out) {
                             gradient_magnitude(c, in, out, params);
                           });
      }
    }
  }
}

}  // namespace

TEST_CASE("GPU sobel and gradient magnitude equal the CPU's", "[gpu][edges][gradient]") {
  const uint64_t seed = test::fresh_seed();
  const Spacing3 spacing{2.5, 0.7, 0.9};
  for (const Shape3& shape : edge_shapes()) {
    check_gradients(test::random_ct(shape, seed), shape, spacing, seed);
    check_gradients(test::random_uint16(shape, seed + 1), shape, spacing, seed);
    check_gradients(test::random_float(shape, seed + 2, 0.001), shape, spacing, seed);
  }
}

TEST_CASE("GPU gradient magnitude of a 512 x 512 slab and of a strided view equals the CPU's",
          "[gpu][edges][gradient]") {
  const uint64_t seed = test::fresh_seed();
  INFO("seed " << seed);
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  const Shape3 shape{35, 512, 512};
  const auto values = test::random_float(shape, seed);
  check_float_filter(values, shape, {1.0, 1.0, 1.0},
                     [](const Context& c, const VolumeRef& in, const VolumeRef& out) {
                       gradient_magnitude(c, in, out, {});
                     });
  VolumeView<const float> strided{values.data(), {35, 100, 200}, {512 * 512, 5 * 512, 2}};
  std::vector<float> expected(35 * 100 * 200), actual(expected.size());
  gradient_magnitude(cpu, strided, make_view(expected.data(), strided.shape), {});
  gradient_magnitude(gpu, strided, make_view(actual.data(), strided.shape), {});
  CHECK(test::close_to(actual, expected, kTolerance));
}

namespace {

// Canny on the CPU and the GPU (host and device buffers): identical edges. Thresholds at
// fractions of the largest gradient of the smoothed input, so that there are strong edges,
// weak ones and neither.
template <class T>
void check_canny(const std::vector<T>& values, const Shape3& shape, const Spacing3& spacing,
                 const CannyParams& base, uint64_t seed) {
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  const auto in = make_view(values.data(), shape, spacing);
  std::vector<float> smoothed(values.size()), gradient(values.size());
  gaussian(cpu, in, make_view(smoothed.data(), shape), {base.sigma_mm, 3.0});
  GradientMagnitudeParams central;
  central.method = GradientMethod::central;
  central.use_spacing = false;
  gradient_magnitude(cpu, make_view(smoothed.data(), shape), make_view(gradient.data(), shape),
                     central);
  float largest = 0.0f;
  for (float g : gradient) largest = std::isfinite(g) ? std::max(largest, g) : largest;
  for (double fraction : {0.1, 0.3}) {
    CannyParams params = base;
    params.low = fraction * largest;
    params.high = 2.0 * fraction * largest;
    INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2]
                 << " sigma_mm " << params.sigma_mm[0] << ", " << params.sigma_mm[1] << ", "
                 << params.sigma_mm[2] << " ndim " << params.ndim << " low " << params.low
                 << " high " << params.high);
    std::vector<uint8_t> expected(values.size(), 9), actual(values.size(), 9);
    canny(cpu, in, make_view(expected.data(), shape), params);
    canny(gpu, in, make_view(actual.data(), shape), params);
    CHECK(actual == expected);
    auto device_in = test::to_device(gpu, values, shape);
    VolumeView<T> device_view = device_in.view();
    device_view.spacing = spacing;
    Volume<uint8_t> device_out(gpu, shape);
    canny(gpu, device_view, device_out, params);
    CHECK(test::to_host<uint8_t>(gpu, device_out) == expected);
  }
}

}  // namespace

TEST_CASE("GPU canny equals CPU canny", "[gpu][edges][canny]") {
  const uint64_t seed = test::fresh_seed();
  const std::vector<Shape3> shapes{{1, 1, 1}, {1, 64, 96}, {20, 33, 47}, {70, 3, 2}, {40, 64, 64}};
  const Spacing3 spacing{1.5, 0.8, 0.8};
  for (const Shape3& shape : test::cases(shapes)) {
    for (const auto& sigma : test::cases(std::vector<std::array<double, 3>>{
             {0.0, 0.0, 0.0}, {1.0, 1.0, 1.0}, {2.0, 1.5, 1.5}, {0.0, 3.0, 3.0}})) {
      for (int ndim : {2, 3}) {
        CannyParams params;
        params.sigma_mm = sigma;
        params.ndim = ndim;
        check_canny(test::random_ct(shape, seed), shape, spacing, params, seed);
        check_canny(test::random_float(shape, seed + 1, 0.001), shape, spacing, params, seed);
      }
    }
  }
}
