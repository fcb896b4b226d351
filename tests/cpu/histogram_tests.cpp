#include <cmath>
#include <limits>
#include <vector>

#include "medkern/histogram.hpp"
#include "support/catch.hpp"
#include "support/random_volumes.hpp"

using namespace medkern;

TEST_CASE("histogram counts ten values into five bins as numpy does", "[histogram]") {
  std::vector<int16_t> values{0, 1, 2, 3, 4, 5, 6, 7, 8, 10};
  const auto ctx = Context::cpu();
  // numpy.histogram(values, 5, range=(0, 10)) -> [2 2 2 2 2]; 10 lands in the closed last bin.
  const auto counts = histogram(ctx, make_view(values.data(), {1, 1, 10}), {5, 0.0, 10.0});
  CHECK(counts == std::vector<uint64_t>{2, 2, 2, 2, 2});
}

TEST_CASE("histogram ignores values outside the range and NaN", "[histogram]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> values{-0.5f, 0.0f, 0.25f, 0.5f, 0.999f, 1.0f, 1.5f, nan};
  const auto ctx = Context::cpu();
  const auto counts = histogram(ctx, make_view(values.data(), {1, 2, 4}), {2, 0.0, 1.0});
  CHECK(counts == std::vector<uint64_t>{2, 3});
}

TEST_CASE("histogram of float32 uses float32 edges", "[histogram]") {
  // float32(0.3) is above 0.3: numpy still counts it in the last bin of range (0, 0.3),
  // because it compares against the float32 edge.
  std::vector<float> values{0.3f};
  const auto ctx = Context::cpu();
  const auto counts = histogram(ctx, make_view(values.data(), {1, 1, 1}), {4, 0.0, 0.3});
  CHECK(counts == std::vector<uint64_t>{0, 0, 0, 1});
}

TEST_CASE("histogram with a mask keeps only masked voxels", "[histogram]") {
  std::vector<uint16_t> values{1, 2, 3, 4};
  std::vector<uint8_t> mask{1, 0, 7, 0};
  const auto ctx = Context::cpu();
  const VolumeRef mask_ref = make_view(mask.data(), {1, 1, 4});
  const auto counts = histogram(ctx, make_view(values.data(), {1, 1, 4}), {4, 1.0, 5.0}, &mask_ref);
  CHECK(counts == std::vector<uint64_t>{1, 0, 1, 0});
}

TEST_CASE("histogram agrees with a brute-force edge search on random data", "[histogram]") {
  const uint64_t seed = test::fresh_seed();
  INFO("seed " << seed);
  const Shape3 shape{7, 13, 29};
  const auto values = test::random_ct(shape, seed);
  const uint32_t bins = 97;
  const double lo = -1100.5, hi = 1303.25;
  std::vector<double> edges(bins + 1);
  for (uint32_t i = 0; i <= bins; ++i) edges[i] = i == bins ? hi : lo + i * ((hi - lo) / bins);
  std::vector<uint64_t> expected(bins, 0);
  for (int16_t v : values) {
    for (uint32_t i = 0; i < bins; ++i) {
      if (v >= edges[i] && (v < edges[i + 1] || (i == bins - 1 && v == hi))) {
        ++expected[i];
        break;
      }
    }
  }
  const auto ctx = Context::cpu();
  CHECK(histogram(ctx, make_view(values.data(), shape), {bins, lo, hi}) == expected);
}

TEST_CASE("histogram of a strided view equals that of its copy", "[histogram]") {
  const uint64_t seed = test::fresh_seed();
  INFO("seed " << seed);
  const Shape3 shape{4, 6, 10};
  auto values = test::random_float(shape, seed);
  // Every other x, reversed z.
  VolumeView<float> strided{values.data() + 3 * 60, {4, 6, 5}, {-60, 10, 2}, {1, 1, 1}};
  std::vector<float> packed;
  for (int z = 0; z < 4; ++z)
    for (int y = 0; y < 6; ++y)
      for (int x = 0; x < 5; ++x) packed.push_back(strided(z, y, x));
  const auto ctx = Context::cpu();
  CHECK(histogram(ctx, strided, {16, -200.0, 200.0}) ==
        histogram(ctx, make_view(packed.data(), {4, 6, 5}), {16, -200.0, 200.0}));
}

TEST_CASE("histogram rejects bad arguments with a message naming them", "[histogram]") {
  std::vector<int16_t> values(8, 1);
  std::vector<int32_t> labels(8, 1);
  const auto ctx = Context::cpu();
  const auto view = make_view(values.data(), {2, 2, 2});
  auto status_of = [&](auto&& call) {
    try {
      call();
    } catch (const Error& e) {
      CHECK(std::string(e.what()).size() > 0);
      return e.status();
    }
    return Status::ok;
  };
  CHECK(status_of([&] { histogram(ctx, view, {0, 0.0, 1.0}); }) == Status::invalid_argument);
  CHECK(status_of([&] { histogram(ctx, view, {65537, 0.0, 1.0}); }) == Status::invalid_argument);
  CHECK(status_of([&] { histogram(ctx, view, {4, 2.0, 1.0}); }) == Status::invalid_argument);
  CHECK(status_of([&] {
          histogram(ctx, view, {4, 0.0, std::nan("")});
        }) == Status::invalid_argument);
  CHECK(status_of([&] {
          histogram(ctx, make_view(labels.data(), {2, 2, 2}), {4, 0.0, 1.0});
        }) == Status::unsupported_dtype);
  std::vector<uint8_t> mask(4, 1);
  const VolumeRef small_mask = make_view(mask.data(), {1, 2, 2});
  CHECK(status_of([&] {
          histogram(ctx, view, {4, 0.0, 1.0}, &small_mask);
        }) == Status::shape_mismatch);
  VolumeRef null_input = view;
  null_input.data = nullptr;
  CHECK(status_of([&] { histogram(ctx, null_input, {4, 0.0, 1.0}); }) == Status::invalid_argument);
  try {
    histogram(ctx, view, {0, 0.0, 1.0});
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("bins") != std::string::npos);
  }
}

TEST_CASE("histogram widens an empty range by half a unit, as numpy", "[histogram]") {
  std::vector<int16_t> values{5, 5, 5};
  const auto ctx = Context::cpu();
  CHECK(histogram(ctx, make_view(values.data(), {1, 1, 3}), {2, 5.0, 5.0}) ==
        std::vector<uint64_t>{0, 3});
}
