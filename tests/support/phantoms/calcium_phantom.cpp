#include "calcium_phantom.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "ct_phantom.hpp"
#include "medkern/error.hpp"

namespace medkern::phantoms {

namespace {

// Whether slice z's centre lies in [z0, z1).
bool covers(const CalciumInsert& insert, int64_t z, double spacing_z) {
  const double position = double(z) * spacing_z;
  return position >= insert.z0_mm && position < insert.z1_mm;
}

// Whether the pixel (y, x) lies within `radius` mm of the insert's axis.
bool within(const CalciumInsert& insert, int64_t y, int64_t x, double radius,
            const Spacing3& spacing) {
  const double dy = double(y - insert.y) * spacing[1];
  const double dx = double(x - insert.x) * spacing[2];
  return dy * dy + dx * dx <= radius * radius;
}

}  // namespace

CalciumPhantom::CalciumPhantom(const Shape3& shape, const Spacing3& spacing,
                               std::vector<CalciumInsert> inserts, int noise_sigma, uint64_t seed)
    : shape_(shape),
      spacing_(spacing),
      inserts_(std::move(inserts)),
      noise_sigma_(noise_sigma),
      seed_(seed) {
  for (int axis = 0; axis < 3; ++axis) {
    if (shape[axis] < 1) {
      throw Error(Status::invalid_argument,
                  fmt::format("shape: ({}, {}, {}) has an extent below 1 on axis {}", shape[0],
                              shape[1], shape[2], axis));
    }
    if (!(std::isfinite(spacing[axis]) && spacing[axis] > 0.0)) {
      throw Error(
          Status::invalid_argument,
          fmt::format("spacing: {} on axis {} must be finite and > 0", spacing[axis], axis));
    }
  }
  constexpr int64_t kMaxSliceExtent = 16384;
  if (shape[1] > kMaxSliceExtent || shape[2] > kMaxSliceExtent) {
    throw Error(Status::invalid_argument,
                fmt::format("shape: slices of {} x {} voxels; y and x may be at most {}", shape[1],
                            shape[2], kMaxSliceExtent));
  }
  if (noise_sigma < 0 || noise_sigma > 1000) {
    throw Error(Status::invalid_argument,
                fmt::format("noise_sigma: {} is outside 0..1000", noise_sigma));
  }
  for (const CalciumInsert& insert : inserts_) {
    if (insert.y < 0 || insert.y >= shape[1] || insert.x < 0 || insert.x >= shape[2]) {
      throw Error(Status::invalid_argument,
                  fmt::format("insert at pixel ({}, {}) is outside the {} x {} slice", insert.y,
                              insert.x, shape[1], shape[2]));
    }
  }
}

CalciumPhantom CalciumPhantom::standard(const Shape3& shape, const Spacing3& spacing, int blocks,
                                        int noise_sigma, uint64_t seed) {
  constexpr int16_t kHu[4] = {150, 250, 350, 600};
  constexpr double kDiameter[3] = {1.0, 3.0, 5.0};
  constexpr double kPitchMm = 10.0;
  const int rows = 4 * blocks, columns = 3 * blocks;
  std::vector<CalciumInsert> inserts;
  const double z_extent = double(shape[0]) * spacing[0];
  for (int row = 0; row < rows; ++row) {
    for (int column = 0; column < columns; ++column) {
      CalciumInsert insert;
      const int k = (row % 4) * 3 + column % 3;  // index in its block
      const int block = (row / 4) * blocks + column / 3;
      const double offset_y = (double(row) - double(rows - 1) / 2.0) * kPitchMm;
      const double offset_x = (double(column) - double(columns - 1) / 2.0) * kPitchMm;
      insert.y =
          std::clamp<int64_t>(shape[1] / 2 + std::llround(offset_y / spacing[1]), 0, shape[1] - 1);
      insert.x =
          std::clamp<int64_t>(shape[2] / 2 + std::llround(offset_x / spacing[2]), 0, shape[2] - 1);
      const double length = 12.0 + 6.0 * (k % 4);
      double start = 3.0 + 9.0 * (k % 3) + 40.0 * block;
      if (z_extent > length) start = std::fmod(start, z_extent - length);
      insert.z0_mm = start;
      insert.z1_mm = start + length;
      insert.diameter_mm = kDiameter[column % 3];
      insert.hu = kHu[row % 4];
      insert.label = uint8_t(row % 4 + 1);
      inserts.push_back(insert);
    }
  }
  return CalciumPhantom(shape, spacing, std::move(inserts), noise_sigma, seed);
}

void CalciumPhantom::generate(int16_t* hu, uint8_t* labels) const {
  const int64_t nz = shape_[0], ny = shape_[1], nx = shape_[2];
  // The body: an ellipse over 90 % x 80 % of the slice, soft tissue in air.
  const double ay = 0.4 * double(ny), ax = 0.45 * double(nx);
  const double cy = double(ny - 1) / 2.0, cx = double(nx - 1) / 2.0;
  for (int64_t z = 0; z < nz; ++z) {
    SplitMix64 rng(slice_seed(seed_, z));
    std::vector<const CalciumInsert*> here;
    for (const CalciumInsert& insert : inserts_) {
      if (covers(insert, z, spacing_[0])) here.push_back(&insert);
    }
    for (int64_t y = 0; y < ny; ++y) {
      for (int64_t x = 0; x < nx; ++x) {
        const double ry = (double(y) - cy) / ay, rx = (double(x) - cx) / ax;
        int value = ry * ry + rx * rx <= 1.0 ? CalciumPhantomValues::soft_tissue
                                             : CalciumPhantomValues::air;
        uint8_t label = 0;
        for (const CalciumInsert* insert : here) {
          const double radius = insert->diameter_mm / 2.0;
          if (within(*insert, y, x, radius + CalciumPhantomValues::vessel_margin_mm, spacing_)) {
            label = insert->label;
            if (within(*insert, y, x, radius, spacing_)) value = insert->hu;
          }
        }
        if (noise_sigma_ > 0) value += noise_sample(rng, noise_sigma_);
        const int64_t i = (z * ny + y) * nx + x;
        hu[i] = int16_t(std::clamp(value, -1024, 3071));
        if (labels != nullptr) labels[i] = label;
      }
    }
  }
}

}  // namespace medkern::phantoms
