#include <cmath>
#include <limits>
#include <vector>

#include "medkern/threshold.hpp"
#include "support/catch.hpp"
#include "support/random_volumes.hpp"

using namespace medkern;

TEST_CASE("threshold is inclusive at both bounds", "[threshold]") {
  std::vector<int16_t> values{-1, 0, 1, 99, 100, 101};
  std::vector<uint8_t> out(6, 42);
  const auto ctx = Context::cpu();
  threshold(ctx, make_view(values.data(), {1, 1, 6}), make_view(out.data(), {1, 1, 6}),
            {0.0, 100.0, 255, 7});
  CHECK(out == std::vector<uint8_t>{7, 255, 255, 255, 255, 7});
}

TEST_CASE("threshold puts NaN outside and compares float32 in double", "[threshold]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> values{nan, 0.3f, 0.29999998f, 0.5f};
  std::vector<uint8_t> out(4, 42);
  const auto ctx = Context::cpu();
  // float32(0.3) = 0.30000001192..., which is above 0.3 in double.
  threshold(ctx, make_view(values.data(), {1, 1, 4}), make_view(out.data(), {1, 1, 4}),
            {0.0, 0.3, 1, 0});
  CHECK(out == std::vector<uint8_t>{0, 0, 1, 0});
}

TEST_CASE("threshold rejects lo > hi and a mismatched output", "[threshold]") {
  std::vector<int16_t> values(8, 0);
  std::vector<uint8_t> out(8, 0), small(4, 0);
  const auto ctx = Context::cpu();
  const auto in = make_view(values.data(), {2, 2, 2});
  CHECK_THROWS_AS(threshold(ctx, in, make_view(out.data(), {2, 2, 2}), {2.0, 1.0}), Error);
  CHECK_THROWS_AS(threshold(ctx, in, make_view(small.data(), {1, 2, 2}), {0.0, 1.0}), Error);
}

TEST_CASE("Otsu separates a two-level image between its levels", "[otsu]") {
  // Half the voxels 10, half 50: every split between them has the same class variance, and
  // scikit-image takes the first maximum, the bin centre 10.
  std::vector<int16_t> values(100);
  for (int i = 0; i < 100; ++i) values[i] = i < 50 ? 10 : 50;
  const auto ctx = Context::cpu();
  CHECK(otsu_threshold(ctx, make_view(values.data(), {1, 10, 10}), nullptr) == 10.0);
}

TEST_CASE("Otsu of a constant image is its value", "[otsu]") {
  std::vector<float> values(27, 3.5f);
  const auto ctx = Context::cpu();
  CHECK(otsu_threshold(ctx, make_view(values.data(), {3, 3, 3}), nullptr) == 3.5);
}

TEST_CASE("Otsu of a two-cluster float image falls in the gap", "[otsu]") {
  // Clusters in [0, 1) and [10, 11): the between-class variance is flat across the empty
  // bins of the gap and scikit-image takes its first maximum, the centre of the first bin
  // above the low cluster, so the threshold lies in [1 - bin width, 10).
  const uint64_t seed = test::fresh_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  std::vector<float> values(4000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = unit(rng) + (i % 2 ? 0.0f : 10.0f);
  const auto ctx = Context::cpu();
  const double t = otsu_threshold(ctx, make_view(values.data(), {1, 40, 100}), nullptr);
  const double bin_width = 11.0 / 256;
  CHECK(t >= 1.0 - bin_width);
  CHECK(t < 10.0);
}

TEST_CASE("Otsu with everything masked out is an error", "[otsu]") {
  std::vector<int16_t> values(8, 1);
  std::vector<uint8_t> mask(8, 0);
  const auto ctx = Context::cpu();
  const VolumeRef mask_ref = make_view(mask.data(), {2, 2, 2});
  CHECK_THROWS_AS(otsu_threshold(ctx, make_view(values.data(), {2, 2, 2}), &mask_ref), Error);
}
