#include <cmath>
#include <string>
#include <vector>

#include "medkern/region_growing.hpp"
#include "support/catch.hpp"

using namespace medkern;

TEST_CASE("connected threshold grows through the band only", "[region_growing]") {
  // Two bright regions joined by a diagonal step only: 4-connectivity keeps them apart,
  // 8-connectivity joins them. A bright voxel far away never joins.
  const std::vector<int16_t> values{
      200, 200, 0,   0, 0,    //
      200, 0,   0,   0, 0,    //
      0,   200, 200, 0, 90,   //
      0,   0,   200, 0, 200,  //
  };
  const Shape3 shape{1, 4, 5};
  const auto ctx = Context::cpu();
  std::vector<uint8_t> out(values.size(), 9);
  connected_threshold(ctx, make_view(values.data(), shape), {{0, 0, 0}},
                      make_view(out.data(), shape), {100.0, 300.0, 4});
  CHECK(out == std::vector<uint8_t>{1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  connected_threshold(ctx, make_view(values.data(), shape), {{0, 0, 0}},
                      make_view(out.data(), shape), {100.0, 300.0, 8});
  CHECK(out == std::vector<uint8_t>{1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0});
  // A seed outside the band grows nothing; two seeds grow both their regions.
  connected_threshold(ctx, make_view(values.data(), shape), {{0, 1, 1}},
                      make_view(out.data(), shape), {100.0, 300.0, 8});
  CHECK(out == std::vector<uint8_t>(values.size(), 0));
  connected_threshold(ctx, make_view(values.data(), shape), {{0, 0, 0}, {0, 3, 4}},
                      make_view(out.data(), shape), {100.0, 300.0, 4});
  CHECK(out[19] == 1);
  CHECK(out[14] == 0);  // 90 is below the band
}

TEST_CASE("connected threshold refuses seeds outside the volume", "[region_growing]") {
  std::vector<float> values(8, 1.0f);
  std::vector<uint8_t> out(8);
  const auto ctx = Context::cpu();
  try {
    connected_threshold(ctx, make_view(values.data(), {2, 2, 2}), {{0, 2, 0}},
                        make_view(out.data(), {2, 2, 2}), {0.0, 2.0, 6});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.status() == Status::invalid_argument);
    CHECK(std::string(e.what()).find("seeds[0]") != std::string::npos);
  }
  CHECK_THROWS_AS(connected_threshold(ctx, make_view(values.data(), {2, 2, 2}), {},
                                      make_view(out.data(), {2, 2, 2}), {0.0, 2.0, 6}),
                  Error);
}

TEST_CASE("region growing refuses 2^31 voxels before any work", "[region_growing]") {
  // One voxel seen through zero strides as 2^31 of them: no memory behind the shape, so the
  // refusal must come before the flood allocates its band and labels or thresholds.
  int16_t value = 100;
  uint8_t out = 7;
  const Shape3 shape{2048, 1024, 1024};
  const VolumeView<const int16_t> input{&value, shape, {0, 0, 0}};
  const VolumeView<uint8_t> output{&out, shape, {0, 0, 0}};
  const auto ctx = Context::cpu();
  auto check_refused = [&](auto&& run) {
    try {
      run();
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.status() == Status::overflow);
      CHECK(std::string(e.what()).find("input: 2147483648 voxels") == 0);
    }
  };
  check_refused([&] { connected_threshold(ctx, input, {{0, 0, 0}}, output, {0.0, 200.0, 6}); });
  check_refused([&] { confidence_connected(ctx, input, {{0, 0, 0}}, output, {}); });
  CHECK(out == 7);
}

// ------------------------------------------------------------------ confidence connected

TEST_CASE("confidence connected: a plateau of zero variance", "[region_growing][confidence]") {
  // The seed's 3^3 cube is all 100: variance 0, band [100, 100], the plateau; its variance
  // is 0 too, so the iterations stop after the first estimate from the region.
  const Shape3 shape{5, 5, 5};
  std::vector<int16_t> values(125, 0);
  std::vector<uint8_t> expected(125, 0);
  for (int z = 1; z < 4; ++z)
    for (int y = 1; y < 4; ++y)
      for (int x = 1; x < 4; ++x) {
        values[(z * 5 + y) * 5 + x] = 100;
        expected[(z * 5 + y) * 5 + x] = 1;
      }
  std::vector<uint8_t> out(125, 7);
  const auto stats = confidence_connected(Context::cpu(), make_view(values.data(), shape),
                                          {{2, 2, 2}}, make_view(out.data(), shape));
  CHECK(out == expected);
  CHECK(stats.mean == 100.0);
  CHECK(stats.variance == 0.0);
  CHECK(stats.lower == 100.0);
  CHECK(stats.upper == 100.0);
  CHECK(stats.iterations == 1);
}

TEST_CASE("confidence connected: band by hand, truncated toward zero",
          "[region_growing][confidence]") {
  // Seeds 10 and 13, radius 0: mean 11.5, variance ((100 + 169) - 23^2 / 2) / 1 = 4.5,
  // sd 2.1213; multiplier 1: [9.38, 13.62], cast to int16 by truncation: [9, 13].
  const std::vector<int16_t> values{8, 9, 10, 11, 12, 13, 14};
  const Shape3 shape{1, 1, 7};
  std::vector<uint8_t> out(7, 7);
  ConfidenceConnectedParams params;
  params.multiplier = 1.0;
  params.iterations = 0;
  params.initial_radius = 0;
  params.connectivity = 6;
  auto stats = confidence_connected(Context::cpu(), make_view(values.data(), shape),
                                    {{0, 0, 2}, {0, 0, 5}}, make_view(out.data(), shape), params);
  CHECK(out == std::vector<uint8_t>{0, 1, 1, 1, 1, 1, 0});
  CHECK(stats.mean == 11.5);
  CHECK(stats.variance == 4.5);
  CHECK(stats.lower == 9.0);
  CHECK(stats.upper == 13.0);
  CHECK(stats.iterations == 0);
  // One iteration: the region 9..13 has n = 5, sum 55, sum of squares 615: mean 11,
  // variance (615 - 605) / 4 = 2.5, band [9.42, 12.58], widened to the seed 13, truncated:
  // [9, 13] again, a fixed point.
  params.iterations = 3;
  stats = confidence_connected(Context::cpu(), make_view(values.data(), shape),
                               {{0, 0, 2}, {0, 0, 5}}, make_view(out.data(), shape), params);
  CHECK(out == std::vector<uint8_t>{0, 1, 1, 1, 1, 1, 0});
  CHECK(stats.mean == 11.0);
  CHECK(stats.variance == 2.5);
  CHECK(stats.lower == 9.0);
  CHECK(stats.upper == 13.0);
  CHECK(stats.iterations == 1);
}

TEST_CASE("confidence connected: the cube repeats the edge voxels",
          "[region_growing][confidence]") {
  // Volume 1x1x3 = {0, 3, 6}, seed x = 0, radius 1: z and y clamp to 0; x in {-1, 0, 1}
  // reads {0, 0, 3}, each 9 times: sum 27, sum of squares 81, N = 27; mean 1, variance
  // (81 - 27) / 26. Multiplier 1: [-0.44, 2.44], truncated to [0, 2]: only the seed.
  const std::vector<int16_t> values{0, 3, 6};
  const Shape3 shape{1, 1, 3};
  std::vector<uint8_t> out(3, 7);
  ConfidenceConnectedParams params;
  params.multiplier = 1.0;
  params.iterations = 0;
  params.connectivity = 6;
  const auto stats = confidence_connected(Context::cpu(), make_view(values.data(), shape),
                                          {{0, 0, 0}}, make_view(out.data(), shape), params);
  CHECK(out == std::vector<uint8_t>{1, 0, 0});
  CHECK(stats.mean == 1.0);
  CHECK(stats.variance == 54.0 / 26.0);
  CHECK(stats.lower == 0.0);
  CHECK(stats.upper == 2.0);
}

TEST_CASE("confidence connected: ITK's NaN band", "[region_growing][confidence]") {
  // Radius 0 and one seed: variance 0 / 0. int16: the band is [0, 0] (ITK's cast of NaN on
  // x86-64); float32: nothing is inside.
  const Shape3 shape{2, 2, 2};
  const std::vector<int16_t> ints{0, 0, 5, 0, 5, 5, 5, 0};
  std::vector<uint8_t> out(8, 7);
  ConfidenceConnectedParams params;
  params.initial_radius = 0;
  params.iterations = 0;
  params.connectivity = 6;
  auto stats = confidence_connected(Context::cpu(), make_view(ints.data(), shape), {{0, 0, 0}},
                                    make_view(out.data(), shape), params);
  // The zeros face-joined to the seed: (0, 0, 0), (0, 0, 1), (0, 1, 1), (1, 1, 1).
  CHECK(out == std::vector<uint8_t>{1, 1, 0, 1, 0, 0, 0, 1});
  CHECK(std::isnan(stats.variance));
  CHECK(stats.lower == 0.0);
  CHECK(stats.upper == 0.0);
  const std::vector<float> floats{0, 0, 5, 0, 5, 5, 5, 0};
  stats = confidence_connected(Context::cpu(), make_view(floats.data(), shape), {{0, 0, 0}},
                               make_view(out.data(), shape), params);
  CHECK(out == std::vector<uint8_t>(8, 0));
  CHECK(std::isnan(stats.lower));
  // A NaN in the seed's cube (float32, radius 1): the first band is NaN, nothing grows.
  std::vector<float> with_nan(8, 1.0f);
  with_nan[7] = std::nanf("");
  params.initial_radius = 1;
  confidence_connected(Context::cpu(), make_view(with_nan.data(), shape), {{0, 0, 0}},
                       make_view(out.data(), shape), params);
  CHECK(out == std::vector<uint8_t>(8, 0));
}

TEST_CASE("confidence connected refuses bad parameters, naming them",
          "[region_growing][confidence]") {
  const Shape3 shape{2, 3, 4};
  std::vector<uint16_t> values(24, 10);
  std::vector<uint8_t> out(24);
  const auto ctx = Context::cpu();
  auto error_of = [&](const ConfidenceConnectedParams& params, std::vector<Seed> seeds) {
    try {
      confidence_connected(ctx, make_view(values.data(), shape), seeds,
                           make_view(out.data(), shape), params);
    } catch (const Error& e) {
      CHECK(e.status() == Status::invalid_argument);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::vector<Seed> seed{{1, 1, 1}};
  auto with = [](auto change) {
    ConfidenceConnectedParams p;
    change(p);
    return p;
  };
  CHECK(error_of(with([](auto& p) { p.multiplier = -0.5; }), seed).find("multiplier") == 0);
  CHECK(error_of(with([](auto& p) { p.multiplier = std::nan(""); }), seed).find("multiplier") == 0);
  CHECK(error_of(with([](auto& p) { p.multiplier = INFINITY; }), seed).find("multiplier") == 0);
  CHECK(error_of(with([](auto& p) { p.iterations = -1; }), seed).find("iterations") == 0);
  CHECK(error_of(with([](auto& p) { p.initial_radius = -1; }), seed).find("initial_radius") == 0);
  CHECK(error_of(with([](auto& p) { p.initial_radius = kMaxInitialRadius + 1; }), seed)
            .find("initial_radius") == 0);
  CHECK(error_of(with([](auto& p) { p.connectivity = 7; }), seed).find("connectivity") !=
        std::string::npos);
  CHECK(error_of({}, {}).find("seeds") == 0);
  CHECK(error_of({}, {{1, 1, 1}, {0, 3, 0}}).find("seeds[1]") == 0);
  // The largest radius is accepted (the cube is clamped to the volume, so it is cheap here).
  CHECK(error_of(with([](auto& p) { p.initial_radius = kMaxInitialRadius; }), seed) == "no error");
}

TEST_CASE("confidence connected: strided input equals contiguous", "[region_growing][confidence]") {
  std::vector<int16_t> base(6 * 8 * 10);
  for (std::size_t i = 0; i < base.size(); ++i) base[i] = int16_t((i * 37) % 50 + (i % 7) * 3);
  // Every other x: shape (6, 8, 5), strides (80, 10, 2).
  VolumeView<const int16_t> strided{base.data(), {6, 8, 5}, {80, 10, 2}};
  std::vector<int16_t> packed;
  for (int z = 0; z < 6; ++z)
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 5; ++x) packed.push_back(strided(z, y, x));
  const Shape3 shape{6, 8, 5};
  std::vector<uint8_t> a(packed.size()), b(packed.size());
  ConfidenceConnectedParams params;
  params.multiplier = 1.5;
  const std::vector<Seed> seeds{{0, 0, 0}, {3, 4, 2}};
  const auto sa =
      confidence_connected(Context::cpu(), strided, seeds, make_view(a.data(), shape), params);
  const auto sb = confidence_connected(Context::cpu(), make_view(packed.data(), shape), seeds,
                                       make_view(b.data(), shape), params);
  CHECK(a == b);
  CHECK(sa.mean == sb.mean);
  CHECK(sa.variance == sb.variance);
}
