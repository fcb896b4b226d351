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
