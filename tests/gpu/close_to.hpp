// The comparison of the GPU's float outputs with the CPU's.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace medkern::test {

// Whether `actual` equals `expected` within `tolerance` times the largest finite magnitude of
// `expected`, NaN matching NaN: the comparison of the GPU's float outputs with the CPU's.
inline bool close_to(const std::vector<float>& actual, const std::vector<float>& expected,
                     double tolerance) {
  if (actual.size() != expected.size()) return false;
  double scale = 0.0;
  for (float v : expected) {
    if (std::isfinite(v)) scale = std::max(scale, double(std::abs(v)));
  }
  for (std::size_t i = 0; i < actual.size(); ++i) {
    if (std::isnan(expected[i]) != std::isnan(actual[i])) return false;
    if (!std::isnan(expected[i]) && std::abs(double(actual[i]) - expected[i]) > tolerance * scale)
      return false;
  }
  return true;
}

}  // namespace medkern::test
