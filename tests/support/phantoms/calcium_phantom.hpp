// A synthetic coronary-calcium phantom, in the manner of the physical calibration phantoms
// (cylindrical calcium inserts of known diameter and density in a water-equivalent body):
// cylinders along z, of known diameter, length and HU, in a soft-tissue body in air, with a
// label volume that marks a vessel around each insert with its artery (1 LM, 2 LAD, 3 LCX,
// 4 RCA). Generated, not stored: any shape, spacing and slice thickness.
//
// Every insert's voxels are exactly known from its geometry: a pixel belongs to an insert
// when its centre lies within the insert's radius of the axis, which passes through a pixel
// centre, and its slice centre lies in [z0, z1). The pixels of a disc of radius R pixels are
// the lattice points of the Gauss circle problem (5, 13, 29, 49, 81 for R = 1..5), so the
// tests compute Agatston, volume and mass scores in closed form. Noise (off by default)
// makes it CT-like for benchmarks.
#pragma once

#include <cstdint>
#include <vector>

#include "medkern/volume.hpp"

namespace medkern::phantoms {

struct CalciumInsert {
  int64_t y = 0, x = 0;  // the axis, through this pixel centre
  double z0_mm = 0.0;    // slices whose centre z * sz lies in [z0_mm, z1_mm)
  double z1_mm = 0.0;
  double diameter_mm = 1.0;  // pixels whose centre is within diameter / 2 of the axis
  int16_t hu = 0;
  uint8_t label = 0;  // artery; its vessel is the disc of radius diameter / 2 + 1 mm
};

struct CalciumPhantomValues {
  static constexpr int16_t air = -1000;
  static constexpr int16_t soft_tissue = 40;
  static constexpr double vessel_margin_mm = 1.0;
};

class CalciumPhantom {
 public:
  // Throws medkern::Error(invalid_argument) for an extent below 1, a slice above 16384 x
  // 16384, non-finite or non-positive spacing, a negative noise sigma or an insert off the
  // slice.
  CalciumPhantom(const Shape3& shape, const Spacing3& spacing, std::vector<CalciumInsert> inserts,
                 int noise_sigma = 0, uint64_t seed = 0);

  // The standard layout: `blocks` x `blocks` blocks of 12 inserts, rows of 150, 250, 350 and
  // 600 HU (density weights 1, 2, 3, 4; arteries LM, LAD, LCX, RCA) by columns of diameter
  // 1, 3 and 5 mm, centres 10 mm apart around the middle of the slice. Insert k of the
  // block spans 12 + 6 * (k % 4) mm of z from 3 + 9 * (k % 3) mm (plus 40 mm per block, all
  // within the volume's z extent when it allows).
  static CalciumPhantom standard(const Shape3& shape, const Spacing3& spacing, int blocks = 1,
                                 int noise_sigma = 0, uint64_t seed = 0);

  const Shape3& shape() const { return shape_; }
  const Spacing3& spacing() const { return spacing_; }
  const std::vector<CalciumInsert>& inserts() const { return inserts_; }

  // The whole volume in C order: HU into `hu`, the label volume into `labels` (may be null).
  void generate(int16_t* hu, uint8_t* labels) const;

 private:
  Shape3 shape_;
  Spacing3 spacing_;
  std::vector<CalciumInsert> inserts_;
  int noise_sigma_;
  uint64_t seed_;
};

}  // namespace medkern::phantoms
