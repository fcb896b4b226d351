#include <limits>
#include <vector>

#include "labeling_backends.hpp"
#include "medkern/labeling.hpp"
#include "support/catch.hpp"

using namespace medkern;

namespace {

struct Labelled {
  std::vector<int32_t> labels;
  int64_t count;
};

Labelled label(const std::vector<uint8_t>& mask, const Shape3& shape, int connectivity) {
  const auto ctx = Context::cpu();
  Labelled result{std::vector<int32_t>(mask.size(), -7), 0};
  result.count = label_components(ctx, make_view(mask.data(), shape),
                                  make_view(result.labels.data(), shape), {connectivity});
  return result;
}

}  // namespace

TEST_CASE("a 2x2x2 checkerboard separates 6 from 18 from 26", "[labeling]") {
  // Foreground where z + y + x is even: (0,0,0), (0,1,1), (1,0,1), (1,1,0). Pairs share an
  // edge (two non-zero offsets), never a face; no pair is corner-to-corner.
  const std::vector<uint8_t> mask{1, 0, 0, 1, 0, 1, 1, 0};
  const Shape3 shape{2, 2, 2};
  CHECK(label(mask, shape, 6).count == 4);
  CHECK(label(mask, shape, 6).labels == std::vector<int32_t>{1, 0, 0, 2, 0, 3, 4, 0});
  CHECK(label(mask, shape, 18).count == 1);
  CHECK(label(mask, shape, 26).count == 1);
  // Per slice: each slice holds two diagonal voxels, joined by 8 but not by 4.
  CHECK(label(mask, shape, 4).count == 4);
  CHECK(label(mask, shape, 8).labels == std::vector<int32_t>{1, 0, 0, 1, 0, 2, 2, 0});
}

TEST_CASE("a U-shape is one component numbered by its first voxel", "[labeling]") {
  // Two arms that meet only at the bottom row; a separate dot before the bottom row is
  // component 2 although its first voxel comes after the arms' first voxels.
  const std::vector<uint8_t> mask{
      1, 0, 0, 1,  //
      1, 0, 0, 1,  //
      1, 0, 1, 1,  //
      1, 1, 1, 1,  //
  };
  const auto result = label(mask, {1, 4, 4}, 4);
  CHECK(result.count == 1);
  for (std::size_t i = 0; i < mask.size(); ++i) CHECK(result.labels[i] == (mask[i] ? 1 : 0));
  const std::vector<uint8_t> with_dot{
      1, 0, 0, 1,  //
      1, 0, 0, 1,  //
      0, 1, 0, 1,  //
      1, 1, 1, 1,  //
  };
  // With 4-connectivity the left arm (rows 0-1) is cut off from the rest.
  const auto parts = label(with_dot, {1, 4, 4}, 4);
  CHECK(parts.count == 2);
  CHECK(parts.labels == std::vector<int32_t>{1, 0, 0, 2, 1, 0, 0, 2, 0, 2, 0, 2, 2, 2, 2, 2});
  CHECK(label(with_dot, {1, 4, 4}, 8).count == 1);
}

TEST_CASE("a spiral is one component", "[labeling]") {
  // A square spiral in a 15x15 slice: the worst case for label propagation.
  const int n = 15;
  std::vector<uint8_t> mask(n * n, 0);
  int top = 0, left = 0, bottom = n - 1, right = n - 1;
  while (top <= bottom && left <= right) {
    for (int x = left; x <= right; ++x) mask[top * n + x] = 1;
    for (int y = top; y <= bottom; ++y) mask[y * n + right] = 1;
    for (int x = right; x >= left && bottom > top + 1; --x) mask[bottom * n + x] = 1;
    for (int y = bottom; y >= top + 2 && left < right - 1; --y) mask[y * n + left] = 1;
    if (top + 2 <= bottom && left < right) mask[(top + 2) * n + left + 1] = 1;
    top += 2;
    left += 2;
    bottom -= 2;
    right -= 2;
  }
  CHECK(label(mask, {1, n, n}, 4).count == 1);
  CHECK(label(mask, {1, n, n}, 26).count == 1);
}

TEST_CASE("labelling edge cases", "[labeling]") {
  CHECK(label({0}, {1, 1, 1}, 26).count == 0);
  CHECK(label({0}, {1, 1, 1}, 26).labels == std::vector<int32_t>{0});
  CHECK(label({5}, {1, 1, 1}, 6).labels == std::vector<int32_t>{1});
  const std::vector<uint8_t> full(60, 1);
  CHECK(label(full, {3, 4, 5}, 6).count == 1);
  CHECK(label(full, {3, 4, 5}, 4).count == 3);  // one per slice
  const auto ctx = Context::cpu();
  std::vector<uint8_t> mask(8, 1);
  std::vector<int32_t> labels(8);
  CHECK_THROWS_AS(label_components(ctx, make_view(mask.data(), {2, 2, 2}),
                                   make_view(labels.data(), {2, 2, 2}), {5}),
                  Error);
  CHECK_THROWS_AS(label_components(ctx, make_view(mask.data(), {2, 2, 2}),
                                   make_view(labels.data(), {1, 2, 4}), {6}),
                  Error);
}

TEST_CASE("label images: equal values connect, touching regions stay apart", "[labeling]") {
  const auto ctx = Context::cpu();
  // Two regions (5 and 7) that touch, and a second region of 5 that touches the first 5
  // only diagonally; in-plane.
  const std::vector<int32_t> image{
      5, 5, 7, 0,  //
      5, 7, 7, 0,  //
      0, 0, 0, 5,  //
  };
  std::vector<int32_t> labels(image.size(), -7);
  CHECK(label_components(ctx, make_view(image.data(), {1, 3, 4}),
                         make_view(labels.data(), {1, 3, 4}), {4}) == 3);
  CHECK(labels == std::vector<int32_t>{1, 1, 2, 0, 1, 2, 2, 0, 0, 0, 0, 3});
  // 8-connectivity: the lone 5 touches only 7s (diagonally), so it stays alone.
  CHECK(label_components(ctx, make_view(image.data(), {1, 3, 4}),
                         make_view(labels.data(), {1, 3, 4}), {8}) == 3);
  // The same image as a uint8 mask is one component under 8-connectivity.
  const std::vector<uint8_t> mask(image.begin(), image.end());
  CHECK(label_components(ctx, make_view(mask.data(), {1, 3, 4}),
                         make_view(labels.data(), {1, 3, 4}), {8}) == 1);
  // int16 and uint16 give the same labels; negative values are foreground.
  const std::vector<int16_t> negative{-5, -5, 7, 0, -5, 7, 7, 0, 0, 0, 0, -5};
  CHECK(label_components(ctx, make_view(negative.data(), {1, 3, 4}),
                         make_view(labels.data(), {1, 3, 4}), {26}) == 3);
  CHECK(labels == std::vector<int32_t>{1, 1, 2, 0, 1, 2, 2, 0, 0, 0, 0, 3});
  const std::vector<uint16_t> wide{5, 5, 7, 0, 5, 7, 7, 0, 0, 0, 0, 5};
  CHECK(label_components(ctx, make_view(wide.data(), {1, 3, 4}),
                         make_view(labels.data(), {1, 3, 4}), {18}) == 3);
  CHECK(labels == std::vector<int32_t>{1, 1, 2, 0, 1, 2, 2, 0, 0, 0, 0, 3});
  // float32 is not a public label image dtype.
  const std::vector<float> floats(12, 1.0f);
  CHECK_THROWS_AS(label_components(ctx, make_view(floats.data(), {1, 3, 4}),
                                   make_view(labels.data(), {1, 3, 4}), {26}),
                  Error);
}

TEST_CASE("equal-value labelling backend: float32 NaN and -0.0, uint8 values", "[labeling]") {
  const auto ctx = Context::cpu();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // NaN equals nothing (background); -0.0 is zero (background); 1.5 regions split by them.
  const std::vector<float> image{1.5f, nan, 1.5f, -0.0f, 2.0f, 2.0f, nan, nan};
  std::vector<int32_t> labels(image.size(), -7);
  CHECK(cpu::label_components(ctx, make_view(image.data(), {1, 1, 8}), labels.data(),
                              previous_neighbours(26), LabelRule::equal_value) == 3);
  CHECK(labels == std::vector<int32_t>{1, 0, 2, 0, 3, 3, 0, 0});
  // uint8 by value: 3 and 4 touch but stay apart (the mask rule would join them).
  const std::vector<uint8_t> bytes{3, 4, 4, 0, 3};
  CHECK(cpu::label_components(ctx, make_view(bytes.data(), {1, 1, 5}), labels.data(),
                              previous_neighbours(6), LabelRule::equal_value) == 3);
  CHECK(std::vector<int32_t>(labels.begin(), labels.begin() + 5) ==
        std::vector<int32_t>{1, 2, 2, 0, 3});
  CHECK(cpu::label_components(ctx, make_view(bytes.data(), {1, 1, 5}), labels.data(),
                              previous_neighbours(6), LabelRule::nonzero) == 2);
}
