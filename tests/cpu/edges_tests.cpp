#include <cmath>
#include <vector>

#include "medkern/edges.hpp"
#include "support/catch.hpp"
#include "support/random_volumes.hpp"

using namespace medkern;

TEST_CASE("sobel of a linear ramp is 2 * 4 * 4 * slope inside, halved at the ends", "[edges]") {
  const auto ctx = Context::cpu();
  const Shape3 shape{4, 5, 6};
  std::vector<float> ramp(test::numel(shape)), out(ramp.size());
  for (int64_t z = 0; z < 4; ++z)
    for (int64_t y = 0; y < 5; ++y)
      for (int64_t x = 0; x < 6; ++x) ramp[(z * 5 + y) * 6 + x] = 3.0f * float(y);
  sobel(ctx, make_view(ramp.data(), shape), make_view(out.data(), shape), {1, 3});
  for (int64_t z = 0; z < 4; ++z) {
    for (int64_t x = 0; x < 6; ++x) {
      CHECK(out[(z * 5 + 0) * 6 + x] == 48.0f);  // (3 - 0) * 16 at the edge
      CHECK(out[(z * 5 + 2) * 6 + x] == 96.0f);  // (6 - 0) * 16 inside
    }
  }
  sobel(ctx, make_view(ramp.data(), shape), make_view(out.data(), shape), {2, 3});
  for (float v : out) CHECK(v == 0.0f);
}

TEST_CASE("gradient magnitude of a plane divides by the spacing", "[edges]") {
  const auto ctx = Context::cpu();
  const Shape3 shape{5, 6, 7};
  std::vector<int16_t> plane(test::numel(shape));
  for (int64_t z = 0; z < 5; ++z)
    for (int64_t y = 0; y < 6; ++y)
      for (int64_t x = 0; x < 7; ++x) plane[(z * 6 + y) * 7 + x] = int16_t(4 * z + 2 * x);
  std::vector<float> out(plane.size());
  const auto in = make_view(plane.data(), shape, {2.0, 1.0, 0.5});
  GradientMagnitudeParams params;
  params.method = GradientMethod::central;
  gradient_magnitude(ctx, in, make_view(out.data(), shape), params);
  // Inside: d/dz = 4 / 2 mm, d/dx = 2 / 0.5 mm.
  CHECK(out[(2 * 6 + 3) * 7 + 3] == Approx(std::sqrt(2.0 * 2.0 + 4.0 * 4.0)).epsilon(1e-6));
  params.method = GradientMethod::sobel;
  gradient_magnitude(ctx, in, make_view(out.data(), shape), params);
  // Sobel: 2 * 16 * slope per axis, then divided by the spacing.
  CHECK(out[(2 * 6 + 3) * 7 + 3] == Approx(std::sqrt(64.0 * 64.0 + 128.0 * 128.0)).epsilon(1e-6));
}

TEST_CASE("canny finds a step of a volume on the voxels before it", "[edges][canny]") {
  const auto ctx = Context::cpu();
  const Shape3 shape{6, 7, 10};
  std::vector<uint16_t> step(test::numel(shape));
  for (std::size_t i = 0; i < step.size(); ++i) step[i] = (i % 10) < 5 ? 100 : 400;
  std::vector<uint8_t> edges(step.size(), 9);
  CannyParams params;
  params.sigma_mm = {0.0, 0.0, 0.0};
  params.low = 50.0;
  params.high = 100.0;
  canny(ctx, make_view(step.data(), shape), make_view(edges.data(), shape), params);
  for (std::size_t i = 0; i < edges.size(); ++i) CHECK(edges[i] == ((i % 10) == 4 ? 1 : 0));
  // A high threshold above the step's gradient (150) leaves nothing.
  params.high = 151.0;
  canny(ctx, make_view(step.data(), shape), make_view(edges.data(), shape), params);
  for (uint8_t e : edges) CHECK(e == 0);
}

TEST_CASE("edge filters reject bad parameters", "[edges]") {
  const auto ctx = Context::cpu();
  std::vector<float> values(8, 1.0f), out(8);
  std::vector<uint8_t> mask(8);
  const auto in = make_view(values.data(), {2, 2, 2});
  const auto o = make_view(out.data(), {2, 2, 2});
  CHECK_THROWS_AS(sobel(ctx, in, o, {3, 3}), Error);
  CHECK_THROWS_AS(sobel(ctx, in, o, {0, 2}), Error);
  CHECK_THROWS_AS(sobel(ctx, in, o, {2, 0}), Error);
  GradientMagnitudeParams gm;
  gm.method = static_cast<GradientMethod>(5);
  CHECK_THROWS_AS(gradient_magnitude(ctx, in, o, gm), Error);
  // A spacing so small that 1 / spacing overflows float32 (the Sobel scale) is refused.
  const auto tiny = make_view(values.data(), {2, 2, 2}, {1e-40, 1.0, 1.0});
  CHECK_THROWS_AS(gradient_magnitude(ctx, tiny, o, {}), Error);
  gm.use_spacing = false;
  gm.method = GradientMethod::sobel;
  CHECK_NOTHROW(gradient_magnitude(ctx, tiny, o, gm));
  CannyParams cp;
  cp.low = 2.0;
  cp.high = 1.0;
  CHECK_THROWS_AS(canny(ctx, in, make_view(mask.data(), {2, 2, 2}), cp), Error);
  cp.low = NAN;
  CHECK_THROWS_AS(canny(ctx, in, make_view(mask.data(), {2, 2, 2}), cp), Error);
  cp.low = 0.0;
  cp.sigma_mm = {-1.0, 0.0, 0.0};
  CHECK_THROWS_AS(canny(ctx, in, make_view(mask.data(), {2, 2, 2}), cp), Error);
  cp.sigma_mm = {1.0, 1.0, 1.0};
  CHECK_THROWS_AS(canny(ctx, in, o, cp), Error);  // float32 output
}
