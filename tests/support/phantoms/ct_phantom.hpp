// A synthetic CT-like volume for benchmarks and demos: air outside an elliptic body, a rim
// of subcutaneous fat, soft tissue, two lungs, a vertebral body, a few small calcifications,
// and Gaussian-like noise.
//
// The same seed gives the same voxels on every machine and compiler: the generator is
// splitmix64, the geometry is tested in integer arithmetic and the noise is a sum of integer
// uniforms, so no libm function and no floating-point rounding (or contraction into FMA)
// can change a single voxel.
#pragma once

#include <cstdint>
#include <vector>

#include "medkern/volume.hpp"

namespace medkern::phantoms {

// Hounsfield units of the tissues.
struct CtPhantomValues {
  static constexpr int16_t air = -1000;
  static constexpr int16_t fat = -100;
  static constexpr int16_t soft_tissue = 40;
  static constexpr int16_t lung = -850;
  static constexpr int16_t bone = 700;
  static constexpr int noise_sigma = 20;
  static constexpr int16_t min_hu = -1024;
  static constexpr int16_t max_hu = 3071;
};

// A dense spot (calcification), in voxel coordinates.
struct Calcification {
  int64_t z = 0, y = 0, x = 0;
  int64_t radius = 1;  // voxels; the spot is the ball of this radius
  int16_t hu = 0;      // 300 .. 900
};

class CtPhantom {
 public:
  // Throws medkern::Error(invalid_argument) for an extent below 1.
  CtPhantom(const Shape3& shape, uint64_t seed);

  const Shape3& shape() const { return shape_; }
  const std::vector<Calcification>& calcifications() const { return calcifications_; }

  // Slice z (ny * nx values, row-major) into `out`. Slices are independent of each other
  // and of the order they are made in.
  void slice(int64_t z, int16_t* out) const;

 private:
  Shape3 shape_;
  uint64_t seed_;
  std::vector<Calcification> calcifications_;
};

// splitmix64 (Steele, Lea and Flood 2014): a 64-bit state, one addition and a mix per value.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) for n >= 1 (the modulo bias is below 2^-40 for the small n used here).
  uint64_t below(uint64_t n) { return next() % n; }

 private:
  uint64_t state_;
};

// The seed of slice z's noise for a volume seed: slices do not depend on one another.
uint64_t slice_seed(uint64_t seed, int64_t z);

// A Gaussian-like integer of standard deviation sigma: the sum of twelve uniforms (Irwin-Hall),
// centred, has variance 1 and a bell shape bounded at +-6 sigma. Twelve 16-bit uniforms come
// from three 64-bit draws, and everything stays in integers, unlike Box-Muller (log, cos).
int noise_sample(SplitMix64& rng, int sigma);

}  // namespace medkern::phantoms
