// Fresh random inputs for tests: every run draws a new seed, and prints it on failure
// through the returned Seeded value, so a failing case can be replayed (MEDKERN_TEST_SEED).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "medkern/volume.hpp"

namespace medkern::test {

// A new seed per call, or MEDKERN_TEST_SEED when set.
uint64_t fresh_seed();

// True when MEDKERN_TEST_QUICK is set (the compute-sanitizer runs, whose tools slow every
// kernel launch a hundredfold and more).
bool quick();

// The cases a test loops over: all of them, or under quick() the first and the last only, so
// that every code path (the smallest and the largest shape, say) still runs once and only the
// repeats in between are dropped.
template <class T>
std::vector<T> cases(std::vector<T> all) {
  if (quick() && all.size() > 2) all = {all.front(), all.back()};
  return all;
}

// CT-like int16: air, soft tissue and bone with noise, spanning about -1024..1500 HU.
std::vector<int16_t> random_ct(const Shape3& shape, uint64_t seed);
std::vector<uint16_t> random_uint16(const Shape3& shape, uint64_t seed);
// Normal values with a fraction `nan_fraction` of NaN.
std::vector<float> random_float(const Shape3& shape, uint64_t seed, double nan_fraction = 0.0);
std::vector<uint8_t> random_mask(const Shape3& shape, uint64_t seed, double fraction = 0.5);
// Labels 0..max_label in runs along x (like a label image), 0 most common.
std::vector<int32_t> random_labels(const Shape3& shape, uint64_t seed, int32_t max_label);

inline int64_t numel(const Shape3& shape) {
  return shape[0] * shape[1] * shape[2];
}

}  // namespace medkern::test
