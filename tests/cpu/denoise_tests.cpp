#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "denoise_backends.hpp"
#include "medkern/denoise.hpp"
#include "support/catch.hpp"
#include "support/random_volumes.hpp"

using namespace medkern;

namespace {

// Keys with many ties (a few distinct values) or spread over 32 bits.
std::vector<uint32_t> random_keys(std::mt19937_64& rng, int count, bool ties) {
  std::vector<uint32_t> keys(count);
  for (auto& k : keys) k = ties ? uint32_t(rng() % 4) * 0x40000001u : uint32_t(rng());
  return keys;
}

template <int N>
void check_forgetful(std::mt19937_64& rng) {
  for (int trial = 0; trial < 200; ++trial) {
    auto keys = random_keys(rng, N, trial % 2 == 0);
    const uint32_t got = forgetful_median<N>([&](int t) { return keys[t]; });
    std::nth_element(keys.begin(), keys.begin() + N / 2, keys.end());
    REQUIRE(got == keys[N / 2]);
  }
}

}  // namespace

TEST_CASE("forgetful selection and bisection give the exact median", "[denoise]") {
  const uint64_t seed = test::fresh_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  check_forgetful<1>(rng);
  check_forgetful<3>(rng);
  check_forgetful<5>(rng);
  check_forgetful<7>(rng);
  check_forgetful<9>(rng);
  check_forgetful<15>(rng);
  check_forgetful<21>(rng);
  check_forgetful<25>(rng);
  check_forgetful<27>(rng);
  for (int count : {1, 2, 3, 35, 125, 343}) {
    for (int trial = 0; trial < 50; ++trial) {
      auto keys = random_keys(rng, count, trial % 2 == 0);
      const int rank = int(rng() % count);
      const uint32_t got = bisection_select(rank, [&](auto&& f) {
        for (uint32_t k : keys) f(k);
      });
      std::nth_element(keys.begin(), keys.begin() + rank, keys.end());
      REQUIRE(got == keys[rank]);
    }
  }
}

TEST_CASE("median keys order float32 with NaN last and round-trip", "[denoise]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> ordered{-inf, -3.5f, -1e-30f, -0.0f, 0.0f, 1e-30f, 2.0f, inf};
  for (std::size_t i = 0; i + 1 < ordered.size(); ++i) {
    CHECK(median_key(ordered[i]) < median_key(ordered[i + 1]));
  }
  CHECK(median_key(inf) < median_key(nan));
  CHECK(median_key(-nan) == median_key(nan));
  for (float v : ordered) {
    const float back = median_value<float>(median_key(v));
    CHECK(std::signbit(back) == std::signbit(v));
    CHECK(back == v);
  }
  CHECK(std::isnan(median_value<float>(median_key(nan))));
  for (int v : {-32768, -1, 0, 1, 32767}) {
    CHECK(median_value<int16_t>(median_key(int16_t(v))) == v);
  }
  CHECK(median_key(int16_t(-5)) < median_key(int16_t(3)));
}

TEST_CASE("median of a 3x3x3 window and of slices", "[denoise]") {
  const auto ctx = Context::cpu();
  std::vector<int16_t> values(27), out(27, -1);
  for (int i = 0; i < 27; ++i) values[i] = int16_t((i * 7) % 27);  // a permutation of 0..26
  median(ctx, make_view(values.data(), {3, 3, 3}), make_view(out.data(), {3, 3, 3}));
  CHECK(out[13] == 13);
  // Radius (0, 0, 1): each row on its own, ends repeated.
  std::vector<float> row{5, -3, 9, 9, 1, 100, 2}, row_out(7);
  median(ctx, make_view(row.data(), {1, 1, 7}), make_view(row_out.data(), {1, 1, 7}), {{0, 0, 1}});
  CHECK(row_out == std::vector<float>{5, 5, 9, 9, 9, 2, 2});
}

TEST_CASE("median rejects bad radii, dtypes and overlapping output", "[denoise]") {
  const auto ctx = Context::cpu();
  std::vector<int16_t> a(64), b(64);
  std::vector<uint16_t> c(64);
  const auto in = make_view(a.data(), {4, 4, 4});
  const auto out = make_view(b.data(), {4, 4, 4});
  CHECK_THROWS_AS(median(ctx, in, out, {{0, 0, 0}}), Error);
  CHECK_THROWS_AS(median(ctx, in, out, {{1, 4, 1}}), Error);
  CHECK_THROWS_AS(median(ctx, in, out, {{-1, 1, 1}}), Error);
  CHECK_THROWS_AS(median(ctx, in, make_view(c.data(), {4, 4, 4})), Error);
  CHECK_THROWS_AS(median(ctx, in, in), Error);
  CHECK_THROWS_AS(median(ctx, in, make_view(a.data() + 1, {1, 1, 63})), Error);
}

TEST_CASE("anisotropic diffusion keeps constants and the sum, and smooths", "[denoise]") {
  const uint64_t seed = test::fresh_seed();
  INFO("seed " << seed);
  const auto ctx = Context::cpu();
  const Shape3 shape{6, 7, 9};
  const auto values = test::random_ct(shape, seed);
  std::vector<float> out(values.size());
  anisotropic_diffusion(ctx, make_view(values.data(), shape), make_view(out.data(), shape),
                        {4, 0.0625, 2.0});
  double before = 0, after = 0, before_sq = 0, after_sq = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    before += values[i];
    after += out[i];
    before_sq += double(values[i]) * values[i];
    after_sq += double(out[i]) * out[i];
  }
  CHECK(after == Approx(before).epsilon(1e-5));
  CHECK(after_sq < before_sq);  // smoothing lowers the energy
  std::vector<float> flat(27, 3.25f), flat_out(27);
  anisotropic_diffusion(ctx, make_view(flat.data(), {3, 3, 3}),
                        make_view(flat_out.data(), {3, 3, 3}), {3, 0.0625, 1.0});
  CHECK(flat_out == flat);
}

TEST_CASE("anisotropic diffusion rejects bad parameters and NaN", "[denoise]") {
  const auto ctx = Context::cpu();
  std::vector<float> a(64, 1.0f), b(64);
  auto in = make_view(a.data(), {4, 4, 4});
  const auto out = make_view(b.data(), {4, 4, 4});
  CHECK_THROWS_AS(anisotropic_diffusion(ctx, in, out, {-1, 0.0625, 1.0}), Error);
  CHECK_THROWS_AS(anisotropic_diffusion(ctx, in, out, {1, 0.07, 1.0}), Error);
  CHECK_THROWS_AS(anisotropic_diffusion(ctx, in, out, {1, 0.0, 1.0}), Error);
  CHECK_THROWS_AS(anisotropic_diffusion(ctx, in, out, {1, 0.0625, 0.0}), Error);
  in.spacing = {1.0, 0.5, 1.0};
  CHECK(max_stable_time_step(in.spacing) == 0.03125);
  CHECK_THROWS_AS(anisotropic_diffusion(ctx, in, out, {1, 0.05, 1.0}), Error);
  in.spacing = {1.0, 1.0, 1.0};
  a[5] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_AS(anisotropic_diffusion(ctx, in, out, {1, 0.0625, 1.0}), Error);
  // The same float32 view in and out is allowed.
  a[5] = 2.0f;
  anisotropic_diffusion(ctx, in, in, {2, 0.0625, 20.0});
  CHECK(a[5] < 2.0f);
}
