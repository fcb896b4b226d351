#include "ct_phantom.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "medkern/error.hpp"

namespace medkern::phantoms {

namespace {

// Positions are in half-voxel units from the centre of an axis of n voxels: voxel i sits at
// 2i + 1 - n, so that the grid is symmetric and every coordinate is an integer. A feature at
// `permille` of the half-extent from the centre sits at n * permille / 1000 in these units.
int64_t voxel_position(int64_t i, int64_t n) {
  return 2 * i + 1 - n;
}
int64_t scaled(int64_t n, int64_t permille) {
  return n * permille / 1000;
}

// An axis-aligned ellipse in one slice, in half-voxel units.
struct Ellipse {
  int64_t cx, cy, ax, ay;  // centre and semi-axes

  static Ellipse make(int64_t nx, int64_t ny, int64_t cx_permille, int64_t cy_permille,
                      int64_t ax_permille, int64_t ay_permille) {
    return Ellipse{scaled(nx, cx_permille), scaled(ny, cy_permille),
                   std::max<int64_t>(1, scaled(nx, ax_permille)),
                   std::max<int64_t>(1, scaled(ny, ay_permille))};
  }

  // (dx/ax)^2 + (dy/ay)^2 <= 1, exactly. With extents up to 16384 (the constructor's limit),
  // |dx| < 2^15 and the semi-axes < 2^14 half-voxels, so every product stays below 2^59.
  bool contains(int64_t x, int64_t y) const {
    const int64_t dx = x - cx, dy = y - cy;
    const int64_t a2 = ax * ax, b2 = ay * ay;
    return dx * dx * b2 + dy * dy * a2 <= a2 * b2;
  }
};

}  // namespace

uint64_t slice_seed(uint64_t seed, int64_t z) {
  SplitMix64 mix(seed ^ (0xD1B54A32D192ED03ull * (static_cast<uint64_t>(z) + 1)));
  return mix.next();
}

int noise_sample(SplitMix64& rng, int sigma) {
  int64_t sum = 0;
  for (int draw = 0; draw < 3; ++draw) {
    const uint64_t r = rng.next();
    sum += int64_t(r & 0xFFFF) + int64_t((r >> 16) & 0xFFFF) + int64_t((r >> 32) & 0xFFFF) +
           int64_t(r >> 48);
  }
  // Each 16-bit uniform has mean 65535/2 and variance ~65536^2/12, so (2 sum - 12 * 65535)
  // / 131072 has mean 0 and variance ~1. Round half away from zero, in integers.
  const int64_t centred = (2 * sum - 12 * 65535) * sigma;
  const int64_t half = 65536;
  return static_cast<int>((centred + (centred >= 0 ? half : -half)) / 131072);
}

CtPhantom::CtPhantom(const Shape3& shape, uint64_t seed) : shape_(shape), seed_(seed) {
  for (int axis = 0; axis < 3; ++axis) {
    if (shape[axis] < 1) {
      throw Error(Status::invalid_argument,
                  fmt::format("shape: ({}, {}, {}) has an extent below 1 on axis {}", shape[0],
                              shape[1], shape[2], axis));
    }
  }
  // One slice is generated at a time; this keeps its buffer below 512 MiB.
  constexpr int64_t kMaxSliceExtent = 16384;
  if (shape[1] > kMaxSliceExtent || shape[2] > kMaxSliceExtent) {
    throw Error(Status::invalid_argument,
                fmt::format("shape: slices of {} x {} voxels; y and x may be at most {}", shape[1],
                            shape[2], kMaxSliceExtent));
  }
  // A handful of calcifications in the mediastinum, between the lungs, in front of the spine.
  SplitMix64 rng(seed ^ 0x6A09E667F3BCC909ull);
  const int64_t nz = shape[0], ny = shape[1], nx = shape[2];
  const int count = 4 + static_cast<int>(rng.below(3));
  for (int i = 0; i < count; ++i) {
    Calcification spot;
    const int64_t z_margin = nz / 10;
    spot.z = z_margin + static_cast<int64_t>(rng.below(static_cast<uint64_t>(nz - 2 * z_margin)));
    // x within +-12 % and y from -30 % to +10 % of the half-extents, as voxel indices.
    const int64_t px = -120 + static_cast<int64_t>(rng.below(241));
    const int64_t py = -300 + static_cast<int64_t>(rng.below(401));
    spot.x = std::clamp<int64_t>((scaled(nx, px) + nx - 1) / 2, 0, nx - 1);
    spot.y = std::clamp<int64_t>((scaled(ny, py) + ny - 1) / 2, 0, ny - 1);
    spot.radius = 1 + static_cast<int64_t>(rng.below(2)) +
                  (std::min(nx, ny) >= 256 ? static_cast<int64_t>(rng.below(2)) : 0);
    spot.hu = static_cast<int16_t>(300 + rng.below(601));
    calcifications_.push_back(spot);
  }
}

void CtPhantom::slice(int64_t z, int16_t* out) const {
  using V = CtPhantomValues;
  const int64_t nz = shape_[0], ny = shape_[1], nx = shape_[2];
  const Ellipse body = Ellipse::make(nx, ny, 0, 0, 900, 700);
  const Ellipse inner = Ellipse::make(nx, ny, 0, 0, 840, 630);  // fat is the rim outside it
  const Ellipse lung_right = Ellipse::make(nx, ny, -420, -80, 280, 420);
  const Ellipse lung_left = Ellipse::make(nx, ny, 420, -80, 280, 420);
  // A round vertebral body: the same radius in voxels on both axes.
  const int64_t spine_radius = std::max<int64_t>(1, scaled(std::min(nx, ny), 130));
  const Ellipse spine{0, scaled(ny, 460), spine_radius, spine_radius};
  // The lungs end a little before the first and last slices, as in a chest scan.
  const bool has_lungs = nz < 10 || (z >= nz / 20 && z < nz - nz / 20);

  SplitMix64 rng(slice_seed(seed_, z));
  for (int64_t y = 0; y < ny; ++y) {
    const int64_t py = voxel_position(y, ny);
    for (int64_t x = 0; x < nx; ++x) {
      const int64_t px = voxel_position(x, nx);
      int value = V::air;
      if (body.contains(px, py)) {
        value = V::fat;
        if (inner.contains(px, py)) {
          value = V::soft_tissue;
          if (has_lungs && (lung_right.contains(px, py) || lung_left.contains(px, py))) {
            value = V::lung;
          }
          if (spine.contains(px, py)) value = V::bone;
        }
      }
      for (const Calcification& spot : calcifications_) {
        const int64_t dz = z - spot.z, dy = y - spot.y, dx = x - spot.x;
        // z is not bounded like y and x: square it only once it is near.
        if (dz < -spot.radius || dz > spot.radius) continue;
        if (dz * dz + dy * dy + dx * dx <= spot.radius * spot.radius) value = spot.hu;
      }
      value += noise_sample(rng, V::noise_sigma);
      out[y * nx + x] = static_cast<int16_t>(std::clamp<int>(value, V::min_hu, V::max_hu));
    }
  }
}

}  // namespace medkern::phantoms
