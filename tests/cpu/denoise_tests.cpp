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

// 64 zero/one keys at once, one per bit: min is AND, max is OR (found by median_pair through
// argument-dependent lookup).
struct BitSlice {
  uint64_t bits;
};
BitSlice key_min(BitSlice a, BitSlice b) {
  return {a.bits & b.bits};
}
BitSlice key_max(BitSlice a, BitSlice b) {
  return {a.bits | b.bits};
}

// The medians of the windows keys[0 .. 26] and keys[9 .. 35] (9 keys per plane, unsorted) by
// sort_plane and median_pair.
template <class K>
void median_pair_of_windows(const K* keys, K& first, K& second) {
  K plane[4][9];
  for (int p = 0; p < 4; ++p)
    for (int i = 0; i < 9; ++i) plane[p][i] = keys[9 * p + i];
  for (auto& p : plane) sort_plane(p);
  median_pair(plane[0], plane[1], plane[2], plane[3], first, second);
}

uint32_t reference_median(const uint32_t* keys, int count) {
  std::vector<uint32_t> copy(keys, keys + count);
  std::nth_element(copy.begin(), copy.begin() + count / 2, copy.end());
  return copy[count / 2];
}

}  // namespace

TEST_CASE("3x3x3 median network is exact on every 0/1 window (0-1 principle)", "[denoise]") {
  // The parts: every 0/1 input of sort_plane, every pair of sorted 0/1 lists of merge_middle.
  for (uint32_t m = 0; m < 512; ++m) {
    uint32_t v[9];
    for (int i = 0; i < 9; ++i) v[i] = (m >> i) & 1;
    sort_plane(v);
    REQUIRE(std::is_sorted(v, v + 9));
  }
  for (int za = 0; za <= 9; ++za) {
    for (int zb = 0; zb <= 9; ++zb) {
      uint32_t a[9], b[9], middle[10];
      for (int i = 0; i < 9; ++i) {
        a[i] = i < za ? 0 : 1;
        b[i] = i < zb ? 0 : 1;
      }
      merge_middle(a, b, middle);
      for (int i = 0; i < 10; ++i) REQUIRE(middle[i] == (i + 4 < za + zb ? 0u : 1u));
    }
  }
  // The whole, both outputs of median_pair: window n (0 .. 2^27 - 1) holds bit i of n as its
  // key i, in planes (0, 1, 2) for the first output and (1, 2, 3) for the second, the other
  // plane arbitrary. Lanes are the low 6 bits of n; the other keys are constant in a word.
  const uint64_t lane_bits[6] = {0xaaaaaaaaaaaaaaaaull, 0xccccccccccccccccull,
                                 0xf0f0f0f0f0f0f0f0ull, 0xff00ff00ff00ff00ull,
                                 0xffff0000ffff0000ull, 0xffffffff00000000ull};
  uint64_t mismatches = 0;
  for (uint64_t word = 0; word < (uint64_t(1) << 21); ++word) {
    BitSlice window[27], keys[36];
    for (int i = 0; i < 27; ++i) {
      window[i].bits = i < 6 ? lane_bits[i] : (((word >> (i - 6)) & 1) ? ~uint64_t(0) : 0);
    }
    // The median of 27 zeros and ones is 1 when at least 14 are ones.
    const int word_ones = __builtin_popcountll(word);
    uint64_t expected = 0;
    for (int lane = 0; lane < 64; ++lane) {
      if (word_ones + __builtin_popcount(unsigned(lane)) >= 14) expected |= uint64_t(1) << lane;
    }
    const uint64_t arbitrary = word * 0x9e3779b97f4a7c15ull;
    BitSlice first, second, ignored;
    for (int i = 0; i < 9; ++i) keys[27 + i].bits = lane_bits[i % 6] ^ arbitrary;
    for (int i = 0; i < 27; ++i) keys[i] = window[i];
    median_pair_of_windows(keys, first, ignored);
    for (int i = 0; i < 9; ++i) keys[i].bits = lane_bits[i % 6] ^ ~arbitrary;
    for (int i = 0; i < 27; ++i) keys[9 + i] = window[i];
    median_pair_of_windows(keys, ignored, second);
    mismatches += (first.bits != expected) + (second.bits != expected);
  }
  CHECK(mismatches == 0);
}

TEST_CASE("3x3x3 median network equals nth_element on random windows", "[denoise]") {
  const uint64_t seed = test::fresh_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const float specials[] = {nan, -nan, inf, -inf, 0.0f, -0.0f, 1.0f, -1.0f, 1e-40f};
  const int16_t extremes[] = {-32768, 32767, 0, -1, 1};
  uint32_t keys[36];
  uint64_t mismatches = 0;
  for (int trial = 0; trial < 2000000; ++trial) {
    switch (trial % 8) {
      case 0:  // spread over 32 bits
        for (auto& k : keys) k = uint32_t(rng());
        break;
      case 1:  // many ties
        for (auto& k : keys) k = uint32_t(rng() % 3);
        break;
      case 2:  // int16 extremes
        for (auto& k : keys) k = median_key(extremes[rng() % 5]);
        break;
      case 3:  // uint16, a few large
        for (auto& k : keys) k = median_key(uint16_t(rng() % 7 == 0 ? 65535 : rng() % 50));
        break;
      case 4:  // float32 with NaN of both signs, infinities, signed zeros, a denormal
        for (auto& k : keys) {
          k = median_key(rng() % 2 ? specials[rng() % 9] : float(int(rng() % 9) - 4) * 0.5f);
        }
        break;
      case 5: {  // sorted, reverse-sorted or all equal
        const uint32_t base = uint32_t(rng());
        const int kind = int(rng() % 3);
        for (int i = 0; i < 36; ++i) {
          keys[i] = kind == 0 ? base + uint32_t(i) : (kind == 1 ? base - uint32_t(i) : base);
        }
        break;
      }
      case 6:  // a permutation
        for (int i = 0; i < 36; ++i) keys[i] = uint32_t(i);
        std::shuffle(keys, keys + 36, rng);
        break;
      default:  // mostly NaN
        for (auto& k : keys) k = median_key(rng() % 3 ? nan : float(rng() % 4));
        break;
    }
    uint32_t first, second;
    median_pair_of_windows(keys, first, second);
    const bool first_ok = first == reference_median(keys, 27);
    const bool second_ok = second == reference_median(keys + 9, 27);
    // Any order of the sorted planes.
    uint32_t planes[3][9];
    for (int p = 0; p < 3; ++p) {
      for (int i = 0; i < 9; ++i) planes[p][i] = keys[9 * p + i];
      sort_plane(planes[p]);
    }
    const bool any_order = median_sorted_planes(planes[2], planes[0], planes[1]) == first;
    mismatches += !first_ok + !second_ok + !any_order;
  }
  CHECK(mismatches == 0);
}

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

TEST_CASE("anisotropic diffusion refuses values whose updates overflow float32", "[denoise]") {
  const auto ctx = Context::cpu();
  const Shape3 shape{1, 1, 5};
  auto error_of = [&](std::vector<float> values, Spacing3 spacing) {
    std::vector<float> out(values.size(), 0.5f);
    try {
      anisotropic_diffusion(ctx, make_view(values.data(), shape, spacing),
                            make_view(out.data(), shape), {2, max_stable_time_step(spacing), 1.0});
    } catch (const Error& e) {
      CHECK(e.status() == Status::invalid_argument);
      CHECK(out == std::vector<float>(values.size(), 0.5f));  // refused before any step
      return std::string(e.what());
    }
    for (float v : out) CHECK(std::isfinite(v));
    return std::string("no error");
  };
  // A peak of 3e38 between zeros: no difference overflows, but the update of the peak, the
  // sum of its two differences, does (-6e38 in float32 is -inf), as it would in ITK.
  CHECK(error_of({0.0f, 0.0f, 3e38f, 0.0f, 0.0f}, {1, 1, 1}).find("input: values from 0 to 3") ==
        0);
  // Differences that overflow on their own, and values near the largest float32 only.
  CHECK(error_of({-3e38f, 3e38f, -3e38f, 3e38f, 0.0f}, {1, 1, 1}).find("input: values") == 0);
  CHECK(error_of({3e38f, 3.1e38f, 3e38f, 3.2e38f, 3e38f}, {1, 1, 1}) == "no error");
  // Tiny voxels scale the differences up: harmless values overflow through the spacing.
  CHECK(error_of({0.0f, 0.0f, 1000.0f, 0.0f, 0.0f}, {1e-36, 1e-36, 1e-36}).find("input: values") ==
        0);
  CHECK(error_of({0.0f, 0.0f, 1000.0f, 0.0f, 0.0f}, {1e-3, 1e-3, 1e-3}) == "no error");
  // Large but safe: the span passes with its margin.
  CHECK(error_of({0.0f, 0.0f, 1e37f, 0.0f, 0.0f}, {1, 1, 1}) == "no error");
  // Infinity and NaN stay the error they were.
  CHECK(error_of({0.0f, INFINITY, 0.0f, 0.0f, 0.0f}, {1, 1, 1}).find("NaN or infinity") !=
        std::string::npos);
  CHECK(error_of({0.0f, NAN, 0.0f, 0.0f, 0.0f}, {1, 1, 1}).find("NaN or infinity") !=
        std::string::npos);
}
