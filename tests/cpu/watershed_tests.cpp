// The watershed and regional minima on cases small enough to flood by hand. Where elevations
// differ the answer is the priority flood's: a voxel takes the label of the neighbour through
// which the lowest pass reaches it. Where they tie, the rule of docs/ops.md decides: fewest
// steps from the level's entry, then the entry entered from the lower level, then the history
// of that entry, then the first neighbour in raster order of the offsets (z, then y, then x,
// each from -1 to +1: the -x neighbour comes before the +x one).
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "medkern/watershed.hpp"
#include "support/catch.hpp"

using namespace medkern;

namespace {

using Labels = std::vector<int32_t>;

template <class T>
Labels flood(const std::vector<T>& elevation, const Labels& markers, const Shape3& shape,
             const WatershedParams& params = {}, const std::vector<uint8_t>* mask = nullptr) {
  const auto ctx = Context::cpu();
  Labels labels(elevation.size(), -7);
  const VolumeRef mask_view = mask ? make_view(mask->data(), shape) : VolumeRef{};
  watershed(ctx, make_view(elevation.data(), shape), make_view(markers.data(), shape),
            mask ? &mask_view : nullptr, make_view(labels.data(), shape), params);
  return labels;
}

struct Minima {
  Labels labels;
  int64_t count;
};

template <class T>
Minima minima(const std::vector<T>& volume, const Shape3& shape, int connectivity) {
  const auto ctx = Context::cpu();
  Minima result{Labels(volume.size(), -7), 0};
  result.count = regional_minima(ctx, make_view(volume.data(), shape),
                                 make_view(result.labels.data(), shape), {connectivity});
  return result;
}

// Three valleys along x: markers 1, 2, 3 at the bottoms x = 0, 6, 11. The ridge at x = 3
// (7) has 4 on its left and 3 on its right, the ridge at x = 8 (8) has 5 on its left and 6 on
// its right: each ridge falls to the side of its lower neighbour, which the flood fills first.
const std::vector<int> kThreeValleys{0, 2, 4, 7, 3, 1, 0, 5, 8, 6, 1, 0};
const Labels kThreeValleysMarkers{1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3};
const Labels kThreeValleysLabels{1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3};

template <class T>
std::vector<T> three_valleys(double scale, double offset) {
  std::vector<T> values;
  for (int v : kThreeValleys) values.push_back(T(v * scale + offset));
  return values;
}

}  // namespace

TEST_CASE("watershed: each ridge falls to the side of its lower neighbour", "[watershed]") {
  const Shape3 shape{1, 1, 12};
  for (int connectivity : {6, 18, 26}) {
    CHECK(flood(three_valleys<float>(1.0, 0.0), kThreeValleysMarkers, shape, {connectivity}) ==
          kThreeValleysLabels);
  }
  // Only the order of the elevations matters: the same valleys as int16 below zero, uint16
  // near the top of its range and float32 fractions give the same labels.
  CHECK(flood(three_valleys<int16_t>(100.0, -1000.0), kThreeValleysMarkers, shape) ==
        kThreeValleysLabels);
  CHECK(flood(three_valleys<uint16_t>(1.0, 65000.0), kThreeValleysMarkers, shape) ==
        kThreeValleysLabels);
  CHECK(flood(three_valleys<float>(0.001, -0.5), kThreeValleysMarkers, shape) ==
        kThreeValleysLabels);
}

TEST_CASE("watershed: a 3-D volume of three valleys along x", "[watershed]") {
  // The valleys of the 1-D case repeated over 2 x 3 (z, y), one marker each at (1, 2, x).
  // Each plane of equal x is one plateau, entered as a whole from the plane below it, so
  // every voxel takes the label of its x, for every connectivity.
  const Shape3 shape{2, 3, 12};
  std::vector<float> elevation;
  Labels markers(2 * 3 * 12, 0), expected;
  for (int zy = 0; zy < 6; ++zy) {
    for (int x = 0; x < 12; ++x) {
      elevation.push_back(float(kThreeValleys[x]));
      expected.push_back(kThreeValleysLabels[x]);
    }
  }
  for (int x : {0, 6, 11}) markers[(1 * 3 + 2) * 12 + x] = kThreeValleysMarkers[x];
  for (int connectivity : {6, 18, 26}) {
    CHECK(flood(elevation, markers, shape, {connectivity}) == expected);
  }
}

TEST_CASE("watershed: a lower pass through a corner needs 26-connectivity", "[watershed]") {
  // A 2 x 2 x 2 cube with markers 1 at (0, 0, 0) and 2 at (1, 1, 1), elevation 0, and the
  // other voxels at 1..6. With 6-connectivity each of those touches one marker by a face:
  // the three next to (0, 0, 0) take 1, the three next to (1, 1, 1) take 2. With 18 or 26 each
  // touches both markers (by a face and an edge, or also by the corner): both offer the pass
  // 0, and the first of them in raster order of the offsets, (0, 0, 0), wins everywhere.
  const Shape3 shape{2, 2, 2};
  const std::vector<float> elevation{0, 1, 2, 4, 3, 5, 6, 0};
  const Labels markers{1, 0, 0, 0, 0, 0, 0, 2};
  CHECK(flood(elevation, markers, shape, {6}) == Labels{1, 1, 1, 2, 1, 2, 2, 2});
  CHECK(flood(elevation, markers, shape, {18}) == Labels{1, 1, 1, 1, 1, 1, 1, 2});
  CHECK(flood(elevation, markers, shape, {26}) == Labels{1, 1, 1, 1, 1, 1, 1, 2});
}

TEST_CASE("watershed: a diagonal neighbour changes the lowest pass in 2-D", "[watershed]") {
  // One slice:    0  9  9      marker 1 at (0, 0), marker 2 at (1, 2) (elevation 4).
  //               9  1  4
  // 6-connectivity: (1, 1) is reached from marker 2 over 4, from marker 1 only over a 9, so
  // it takes 2, and so does (0, 2) above marker 2; the 9s beside marker 1 take 1.
  // 26-connectivity: (1, 1) touches marker 1 by its corner, pass 1: it takes 1, and (0, 2),
  // whose lowest neighbour is now (1, 1) (level 1, below marker 2's 4), takes 1 too.
  const Shape3 shape{1, 2, 3};
  const std::vector<int16_t> elevation{0, 9, 9, 9, 1, 4};
  const Labels markers{1, 0, 0, 0, 0, 2};
  CHECK(flood(elevation, markers, shape, {6}) == Labels{1, 1, 2, 1, 2, 2});
  CHECK(flood(elevation, markers, shape, {18}) == Labels{1, 1, 1, 1, 1, 2});
  CHECK(flood(elevation, markers, shape, {26}) == Labels{1, 1, 1, 1, 1, 2});
}

TEST_CASE("watershed: plateaus follow the tie rule", "[watershed]") {
  const Shape3 row7{1, 1, 7};
  // A flat row with markers at both ends: x = 1, 2 are nearer marker 1, x = 4, 5 nearer
  // marker 2; x = 3 is three steps from both, and its first neighbour in raster order, x = 2,
  // decides: 1. (scikit-image's heap gives 2: a tie between two markers' floods at equal
  // distance is the one no local rule follows, docs/ops.md.)
  CHECK(flood(std::vector<float>(7, 0.0f), Labels{1, 0, 0, 0, 0, 0, 2}, row7) ==
        Labels{1, 1, 1, 1, 2, 2, 2});
  // A plateau of 3 entered at x = 1 from marker 1 and at x = 6 from marker 2: x = 3 is two
  // steps from the first entry and three from the second, so it takes 1; x = 4 takes 2.
  CHECK(flood(std::vector<uint16_t>{0, 3, 3, 3, 3, 3, 3, 0}, Labels{1, 0, 0, 0, 0, 0, 0, 2},
              {1, 1, 8}) == Labels{1, 1, 1, 1, 2, 2, 2, 2});
  // A plateau of 5 entered at x = 2 from level 3 and at x = 4 from level 1: x = 3 is one step
  // from both, and the entry from the lower level wins, although it comes after x = 2 in
  // raster order: 2.
  CHECK(flood(std::vector<int16_t>{0, 3, 5, 5, 5, 1, 0}, Labels{1, 0, 0, 0, 0, 0, 2}, row7) ==
        Labels{1, 1, 1, 2, 2, 2, 2});
  // Two entries into the plateau at 2, both entered from level 0 one step away: (0, 2) from
  // (0, 1), which is one step from marker 1, and (1, 1) from marker 2 itself. (1, 2) is one
  // step from both; the entry whose lower voxel the flood reached first, (1, 1), wins: 2.
  // (scikit-image gives the same: it pops marker 2 before (0, 1).)
  //   elevation 0 0 2    markers 1 0 0
  //             0 2 2            2 0 0
  CHECK(flood(std::vector<int16_t>{0, 0, 2, 0, 2, 2}, Labels{1, 0, 0, 2, 0, 0}, {1, 2, 3}) ==
        Labels{1, 1, 1, 2, 2, 2});
}

TEST_CASE("watershed: watershed_line keeps the ridges at 0", "[watershed]") {
  // Without the line the ridge at x = 4, between equal slopes, goes to its first neighbour in
  // raster order, x = 3 (marker 1's side); with it, the two floods meet there and it stays 0.
  const std::vector<float> vee{0, 1, 2, 3, 4, 3, 2, 1, 0};
  const Labels vee_markers{1, 0, 0, 0, 0, 0, 0, 0, 2};
  CHECK(flood(vee, vee_markers, {1, 1, 9}) == Labels{1, 1, 1, 1, 1, 2, 2, 2, 2});
  CHECK(flood(vee, vee_markers, {1, 1, 9}, {6, true}) == Labels{1, 1, 1, 1, 0, 2, 2, 2, 2});
  // Both ridges of the three valleys become line voxels; the rest keeps its labels.
  CHECK(flood(three_valleys<float>(1.0, 0.0), kThreeValleysMarkers, {1, 1, 12}, {6, true}) ==
        Labels{1, 1, 1, 0, 2, 2, 2, 2, 0, 3, 3, 3});
  // In 2-D a ridge column at x = 2 between markers at (1, 0) and (1, 4): without the line it
  // goes to the -x side (the entries on both sides tie), with it the column is the line.
  const std::vector<float> ridge{0, 1, 5, 1, 0, 0, 1, 5, 1, 0, 0, 1, 5, 1, 0};
  const Labels ridge_markers{0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0};
  CHECK(flood(ridge, ridge_markers, {1, 3, 5}) ==
        Labels{1, 1, 1, 2, 2, 1, 1, 1, 2, 2, 1, 1, 1, 2, 2});
  CHECK(flood(ridge, ridge_markers, {1, 3, 5}, {6, true}) ==
        Labels{1, 1, 0, 2, 2, 1, 1, 0, 2, 2, 1, 1, 0, 2, 2});
}

TEST_CASE("watershed: a mask cuts the flood, drops markers outside it", "[watershed]") {
  const Shape3 shape{1, 1, 7};
  const std::vector<float> flat(7, 0.0f);
  // x = 2 is outside: it stays 0, and marker 1 cannot cross it.
  const std::vector<uint8_t> gap{1, 1, 0, 1, 1, 1, 1};
  CHECK(flood(flat, Labels{1, 0, 0, 0, 0, 2, 0}, shape, {}, &gap) == Labels{1, 1, 0, 2, 2, 2, 2});
  // A marker on the masked voxel is dropped: the same answer.
  CHECK(flood(flat, Labels{1, 0, 3, 0, 0, 2, 0}, shape, {}, &gap) == Labels{1, 1, 0, 2, 2, 2, 2});
  // x = 6 is cut off from every marker: no marker reaches it, so it gets 0.
  const std::vector<uint8_t> two_gaps{1, 1, 0, 1, 1, 0, 1};
  CHECK(flood(flat, Labels{1, 0, 0, 2, 0, 0, 0}, shape, {}, &two_gaps) ==
        Labels{1, 1, 0, 2, 2, 0, 0});
  // Any non-zero mask value is inside.
  const std::vector<uint8_t> bytes{7, 255, 1, 1, 1, 1, 1};
  CHECK(flood(flat, Labels{0, 0, 0, 4, 0, 0, 0}, shape, {}, &bytes) == Labels(7, 4));
}

TEST_CASE("watershed: NaN elevations are outside, as a mask", "[watershed]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> elevation{0, 1, nan, 1, 0};
  // The NaN voxel stays 0 and blocks the flood: x = 3, 4 are no one's.
  CHECK(flood(elevation, Labels{1, 0, 0, 0, 0}, {1, 1, 5}) == Labels{1, 1, 0, 0, 0});
  CHECK(flood(elevation, Labels{1, 0, 0, 0, 2}, {1, 1, 5}) == Labels{1, 1, 0, 2, 2});
  // A marker on NaN is dropped.
  CHECK(flood(elevation, Labels{1, 0, 5, 0, 0}, {1, 1, 5}) == Labels{1, 1, 0, 0, 0});
  // In 2-D a NaN wall with one diagonal gap: 6-connectivity stops at it, 26 passes the gap.
  //   0   nan  0        marker 3 at (0, 0)
  //   nan 0    0
  const std::vector<float> wall{0, nan, 0, nan, 0, 0};
  const Labels one{3, 0, 0, 0, 0, 0};
  CHECK(flood(wall, one, {1, 2, 3}, {6}) == Labels{3, 0, 0, 0, 0, 0});
  CHECK(flood(wall, one, {1, 2, 3}, {26}) == Labels{3, 0, 3, 0, 3, 3});
}

TEST_CASE("watershed: markers everywhere, none at all, and any label value", "[watershed]") {
  const Shape3 shape{2, 2, 3};
  const std::vector<uint16_t> elevation{5, 3, 8, 1, 0, 9, 2, 7, 4, 6, 11, 10};
  // Every voxel a marker: nothing is flooded, each keeps its own label.
  const Labels everywhere{1, 2, 3, 4, 5, 6, -5, 8, 9, 10, 11, 12};
  CHECK(flood(elevation, everywhere, shape) == everywhere);
  CHECK(flood(elevation, everywhere, shape, {26, true}) == everywhere);
  // No marker: no voxel is reached.
  CHECK(flood(elevation, Labels(12, 0), shape) == Labels(12, 0));
  CHECK(flood(elevation, Labels(12, 0), shape, {26, true}) == Labels(12, 0));
  // One marker floods everything, whatever its value (negative and large ones are labels too).
  Labels one(12, 0);
  one[4] = -3;
  CHECK(flood(elevation, one, shape) == Labels(12, -3));
  one[4] = 2'000'000'000;
  CHECK(flood(elevation, one, shape) == Labels(12, 2'000'000'000));
}

TEST_CASE("watershed: strided and reversed views", "[watershed]") {
  const auto ctx = Context::cpu();
  // The three valleys on every other element of a buffer (stride 2, the odd places hold
  // values that would change the answer if read), labels written with stride 3.
  std::vector<float> buffer(24, -100.0f);
  for (int x = 0; x < 12; ++x) buffer[2 * x] = float(kThreeValleys[x]);
  const VolumeView<const float> strided{buffer.data(), {1, 1, 12}, {24, 24, 2}};
  Labels out(36, -7);
  const VolumeView<int32_t> out_view{out.data(), {1, 1, 12}, {36, 36, 3}};
  watershed(ctx, strided, make_view(kThreeValleysMarkers.data(), {1, 1, 12}), nullptr, out_view);
  for (int x = 0; x < 12; ++x) {
    CHECK(out[3 * x] == kThreeValleysLabels[x]);
    CHECK(out[3 * x + 1] == -7);  // between the strided outputs: untouched
    CHECK(out[3 * x + 2] == -7);
  }
  // The same buffer read backwards: the valleys reversed, markers given in the view's order.
  const VolumeView<const float> reversed{buffer.data() + 22, {1, 1, 12}, {24, 24, -2}};
  const Labels reversed_markers(kThreeValleysMarkers.rbegin(), kThreeValleysMarkers.rend());
  Labels labels(12, -7);
  watershed(ctx, reversed, make_view(reversed_markers.data(), {1, 1, 12}), nullptr,
            make_view(labels.data(), {1, 1, 12}));
  CHECK(labels == Labels(kThreeValleysLabels.rbegin(), kThreeValleysLabels.rend()));
}

TEST_CASE("watershed: the labels may overwrite the markers", "[watershed]") {
  const auto ctx = Context::cpu();
  const std::vector<float> elevation = three_valleys<float>(1.0, 0.0);
  Labels in_place = kThreeValleysMarkers;
  watershed(ctx, make_view(elevation.data(), {1, 1, 12}), make_view(in_place.data(), {1, 1, 12}),
            nullptr, make_view(in_place.data(), {1, 1, 12}));
  CHECK(in_place == kThreeValleysLabels);
}

TEST_CASE("watershed and regional minima reject bad arguments", "[watershed]") {
  const auto ctx = Context::cpu();
  const Shape3 shape{2, 3, 4};
  std::vector<float> elevation(24, 0.0f);
  std::vector<int32_t> markers(24, 0), labels(24, 0), int32_elevation(24, 0);
  std::vector<int16_t> int16_markers(24, 0);
  std::vector<uint8_t> mask(24, 1), uint8_labels(24, 0);
  std::vector<int32_t> int32_mask(24, 1);
  const auto e = make_view(elevation.data(), shape);
  const auto m = make_view(markers.data(), shape);
  const auto l = make_view(labels.data(), shape);
  auto status_of = [](auto&& call) {
    try {
      call();
    } catch (const Error& error) {
      return error.status();
    }
    return Status::ok;
  };
  // The valid call, so that each failure below has one cause.
  CHECK(status_of([&] { watershed(ctx, e, m, nullptr, l); }) == Status::ok);
  // Element types: elevation float32 / int16 / uint16, markers and labels int32, mask uint8.
  CHECK(status_of([&] {
          watershed(ctx, make_view(int32_elevation.data(), shape), m, nullptr, l);
        }) == Status::unsupported_dtype);
  CHECK(status_of([&] { watershed(ctx, make_view(mask.data(), shape), m, nullptr, l); }) ==
        Status::unsupported_dtype);
  CHECK(status_of([&] { watershed(ctx, e, make_view(int16_markers.data(), shape), nullptr, l); }) ==
        Status::unsupported_dtype);
  CHECK(status_of([&] { watershed(ctx, e, m, nullptr, make_view(uint8_labels.data(), shape)); }) ==
        Status::unsupported_dtype);
  const VolumeRef int32_mask_view = make_view(int32_mask.data(), shape);
  CHECK(status_of([&] { watershed(ctx, e, m, &int32_mask_view, l); }) == Status::unsupported_dtype);
  // Shapes: markers, labels and mask all of the elevation's shape.
  CHECK(status_of([&] {
          watershed(ctx, e, make_view(markers.data(), {2, 4, 3}), nullptr, l);
        }) == Status::shape_mismatch);
  CHECK(status_of([&] {
          watershed(ctx, e, m, nullptr, make_view(labels.data(), {1, 3, 4}));
        }) == Status::shape_mismatch);
  const VolumeRef small_mask = make_view(mask.data(), {2, 3, 3});
  CHECK(status_of([&] { watershed(ctx, e, m, &small_mask, l); }) == Status::shape_mismatch);
  // Connectivity: 6, 18 or 26 only, also with the line.
  for (int bad : {0, 4, 8, 10, 27}) {
    INFO("connectivity " << bad);
    CHECK(status_of([&] { watershed(ctx, e, m, nullptr, l, {bad}); }) == Status::invalid_argument);
    CHECK(status_of([&] {
            watershed(ctx, e, m, nullptr, l, {bad, true});
          }) == Status::invalid_argument);
    CHECK(status_of([&] { regional_minima(ctx, e, l, {bad}); }) == Status::invalid_argument);
  }
  try {
    watershed(ctx, e, m, nullptr, l, {4});
    FAIL("connectivity 4 accepted");
  } catch (const Error& error) {
    CHECK(std::string(error.what()).find("connectivity") != std::string::npos);
  }
  // Regional minima: volume float32 / int16 / uint16, labels int32 of its shape.
  CHECK(status_of([&] { regional_minima(ctx, e, l); }) == Status::ok);
  CHECK(status_of([&] { regional_minima(ctx, make_view(int32_elevation.data(), shape), l); }) ==
        Status::unsupported_dtype);
  CHECK(status_of([&] { regional_minima(ctx, e, make_view(uint8_labels.data(), shape)); }) ==
        Status::unsupported_dtype);
  CHECK(status_of([&] {
          regional_minima(ctx, e, make_view(labels.data(), {4, 3, 2}));
        }) == Status::shape_mismatch);
}

TEST_CASE("regional minima: plateaus lower than all their neighbours", "[watershed]") {
  // x = 1 (1) and x = 4 (0) are below both neighbours; x = 6 (0) is below its only one (the
  // border does not count); the plateau 2 2 has the lower 1 and 0 beside it: not a minimum.
  const auto row = minima(std::vector<int16_t>{3, 1, 2, 2, 0, 5, 0}, {1, 1, 7}, 6);
  CHECK(row.count == 3);
  CHECK(row.labels == Labels{0, 1, 0, 0, 2, 0, 3});
  // A plateau minimum of four voxels, numbered before the single one that comes later in
  // raster order; the 5s around them are one plateau with lower neighbours.
  //   5 5 5 5 5
  //   5 2 2 5 5
  //   5 2 2 5 5
  //   5 5 5 5 1
  const std::vector<float> pit{5, 5, 5, 5, 5, 5, 2, 2, 5, 5, 5, 2, 2, 5, 5, 5, 5, 5, 5, 1};
  const auto pits = minima(pit, {1, 4, 5}, 26);
  CHECK(pits.count == 2);
  CHECK(pits.labels == Labels{0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 2});
  // Whole flat volume: one minimum.
  const auto flat = minima(std::vector<uint16_t>(12, 40000), {2, 2, 3}, 26);
  CHECK(flat.count == 1);
  CHECK(flat.labels == Labels(12, 1));
}

TEST_CASE("regional minima depend on the connectivity", "[watershed]") {
  //   1 5 5
  //   5 1 5
  //   5 5 0
  // With faces only the three low voxels are each surrounded by 5s: three minima. With the
  // diagonals the two 1s join into one plateau that touches the 0: only the 0 remains.
  const std::vector<uint16_t> image{1, 5, 5, 5, 1, 5, 5, 5, 0};
  const auto faces = minima(image, {1, 3, 3}, 6);
  CHECK(faces.count == 3);
  CHECK(faces.labels == Labels{1, 0, 0, 0, 2, 0, 0, 0, 3});
  for (int connectivity : {18, 26}) {
    const auto diagonals = minima(image, {1, 3, 3}, connectivity);
    CHECK(diagonals.count == 1);
    CHECK(diagonals.labels == Labels{0, 0, 0, 0, 0, 0, 0, 0, 1});
  }
  // In 3-D, 18 and 26 part: two 1s at opposite corners of a 2 x 2 x 2 cube of 3s touch only
  // by the corner. 18: two minima; 26: one plateau of both.
  const std::vector<float> cube{1, 3, 3, 3, 3, 3, 3, 1};
  CHECK(minima(cube, {2, 2, 2}, 18).labels == Labels{1, 0, 0, 0, 0, 0, 0, 2});
  CHECK(minima(cube, {2, 2, 2}, 26).labels == Labels{1, 0, 0, 0, 0, 0, 0, 1});
}

TEST_CASE("regional minima skip NaN", "[watershed]") {
  // NaN is never a minimum and no one's neighbour: x = 2 (1) and x = 5 (0.5) are minima, the
  // 2 at x = 1 has only the lower 1 beside it and x = 3 (3) the lower 1.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const auto row = minima(std::vector<float>{nan, 2, 1, 3, nan, 0.5f}, {1, 1, 6}, 6);
  CHECK(row.count == 2);
  CHECK(row.labels == Labels{0, 0, 1, 0, 0, 2});
  // All NaN: no minimum.
  const auto none = minima(std::vector<float>(4, nan), {1, 2, 2}, 26);
  CHECK(none.count == 0);
  CHECK(none.labels == Labels(4, 0));
}
