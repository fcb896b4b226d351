#include <cmath>
#include <vector>

#include "medkern/gaussian.hpp"
#include "support/catch.hpp"
#include "support/random_volumes.hpp"

using namespace medkern;

namespace {

// The sum and the second moment about the centre of the response to an impulse at `centre`
// along x.
void impulse_moments(const std::vector<float>& response, int64_t centre, double& sum,
                     double& second_moment) {
  sum = 0.0;
  second_moment = 0.0;
  for (std::size_t i = 0; i < response.size(); ++i) {
    const double d = double(int64_t(i) - centre);
    sum += response[i];
    second_moment += response[i] * d * d;
  }
}

}  // namespace

TEST_CASE("the Gaussian's impulse response sums to 1 with variance sigma^2", "[gaussian]") {
  const auto ctx = Context::cpu();
  for (double sigma_mm : {1.0, 1.5, 2.0, 5.0}) {
    for (double spacing : {1.0, 0.5}) {
      INFO("sigma " << sigma_mm << " mm, spacing " << spacing << " mm");
      const int64_t n = 201, centre = 100;
      std::vector<float> impulse(n, 0.0f), response(n, -1.0f);
      impulse[centre] = 1.0f;
      auto in = make_view(impulse.data(), {1, 1, n}, {1.0, 1.0, spacing});
      gaussian(ctx, in, make_view(response.data(), {1, 1, n}), {{0.0, 0.0, sigma_mm}, 4.0});
      double sum = 0.0, second = 0.0;
      impulse_moments(response, centre, sum, second);
      const double sigma_voxels = sigma_mm / spacing;
      CHECK(sum == Approx(1.0).epsilon(1e-6));
      // Truncation at 4 sigma removes 6e-5 of the mass and 1.1e-3 of the variance (sampling
      // changes it far less for sigma >= 1 voxel).
      CHECK(second == Approx(sigma_voxels * sigma_voxels).epsilon(2e-3));
      CHECK(response[centre - 1] == response[centre + 1]);
    }
  }
}

TEST_CASE("the Gaussian is separable: a 3-D impulse gives the product of the 1-D kernels",
          "[gaussian]") {
  const auto ctx = Context::cpu();
  const Shape3 shape{9, 11, 13};
  std::vector<float> impulse(test::numel(shape), 0.0f), response(impulse.size());
  impulse[(4 * 11 + 5) * 13 + 6] = 1.0f;
  gaussian(ctx, make_view(impulse.data(), shape), make_view(response.data(), shape),
           {{1.0, 1.5, 0.8}, 3.0});
  double total = 0.0;
  for (float v : response) total += v;
  CHECK(total == Approx(1.0).epsilon(1e-5));
  // The row through the centre along x, normalised by its centre, is the x kernel.
  const float centre = response[(4 * 11 + 5) * 13 + 6];
  const float next = response[(4 * 11 + 5) * 13 + 7];
  CHECK(next / centre == Approx(std::exp(-0.5 / (0.8 * 0.8))).epsilon(1e-5));
}

TEST_CASE("a Gaussian with a radius beyond the fast paths and the volume stays normalised",
          "[gaussian]") {
  // sigma 30 voxels: radius 120 along a 40-voxel axis; a constant stays constant.
  const auto ctx = Context::cpu();
  const Shape3 shape{3, 5, 40};
  std::vector<int16_t> constant(test::numel(shape), 123);
  std::vector<float> out(constant.size());
  gaussian(ctx, make_view(constant.data(), shape), make_view(out.data(), shape),
           {{0.0, 30.0, 30.0}, 4.0});
  for (float v : out) CHECK(v == Approx(123.0f).epsilon(1e-5));
}

TEST_CASE("gaussian rejects bad sigmas, truncate and outputs", "[gaussian]") {
  const auto ctx = Context::cpu();
  std::vector<float> values(8, 1.0f), out(8);
  std::vector<int16_t> wrong(8);
  const auto in = make_view(values.data(), {2, 2, 2});
  const auto o = make_view(out.data(), {2, 2, 2});
  CHECK_THROWS_AS(gaussian(ctx, in, o, {{-1.0, 1.0, 1.0}, 4.0}), Error);
  CHECK_THROWS_AS(gaussian(ctx, in, o, {{NAN, 1.0, 1.0}, 4.0}), Error);
  CHECK_THROWS_AS(gaussian(ctx, in, o, {{1.0, 1.0, 1.0}, -4.0}), Error);
  CHECK_THROWS_AS(gaussian(ctx, in, o, {{1e9, 1.0, 1.0}, 4.0}), Error);
  CHECK_THROWS_AS(gaussian(ctx, in, make_view(wrong.data(), {2, 2, 2}), {}), Error);
  CHECK_THROWS_AS(gaussian(ctx, in, make_view(out.data(), {1, 2, 4}), {}), Error);
}
