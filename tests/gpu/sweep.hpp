// The shapes and inputs that the GPU-equals-CPU tests of the histogram, threshold and label
// statistics families sweep: one voxel, one row, sizes that are no multiple of a block, and
// a volume of many blocks.
#pragma once

#include <cstdint>
#include <type_traits>
#include <vector>

#include "medkern/volume.hpp"
#include "support/random_volumes.hpp"

namespace medkern::test {

inline const std::vector<Shape3> kSweepShapes = {{1, 1, 1},   {1, 1, 7},     {3, 5, 7},
                                                 {1, 33, 65}, {17, 31, 129}, {64, 128, 128}};

// The random volume of each input dtype: CT-like int16, uint16, float32 with 1 % NaN.
template <class T>
std::vector<T> random_of(const Shape3& shape, uint64_t seed) {
  if constexpr (std::is_same_v<T, int16_t>) return random_ct(shape, seed);
  if constexpr (std::is_same_v<T, uint16_t>) return random_uint16(shape, seed);
  if constexpr (std::is_same_v<T, float>) return random_float(shape, seed, 0.01);
}

}  // namespace medkern::test
