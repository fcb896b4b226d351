// Region growing from seeds (ITK ConnectedThresholdImageFilter, ConfidenceConnectedImageFilter).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "medkern/context.hpp"
#include "medkern/fields.hpp"

namespace medkern {

using Seed = std::array<int64_t, 3>;  // (z, y, x) voxel index

struct ConnectedThresholdParams {
  double lo = 0.0;        // inclusive, compared in double as threshold() does
  double hi = 0.0;        // inclusive; lo <= hi
  int connectivity = 26;  // 6, 18, 26, or 4, 8 per slice (as label_components)
};

template <>
struct FieldsOf<ConnectedThresholdParams> {
  static constexpr auto list =
      fields(field("lo", &ConnectedThresholdParams::lo), field("hi", &ConnectedThresholdParams::hi),
             field("connectivity", &ConnectedThresholdParams::connectivity));
};

// Writes 1 into `output` (uint8, shape of `input`) at every voxel connected to a seed through
// voxels with lo <= value <= hi, 0 elsewhere: ITK ConnectedThresholdImageFilter (replace
// value 1; its default face connectivity is 6, FullyConnected is 26). A seed whose own value
// is outside [lo, hi] grows nothing. `input`: int16, uint16, float32. A seed outside the
// volume is an error naming it.
void connected_threshold(const Context& context, const VolumeRef& input,
                         const std::vector<Seed>& seeds, const VolumeRef& output,
                         const ConnectedThresholdParams& params);

// ------------------------------------------------------------------ confidence connected

struct ConfidenceConnectedParams {
  double multiplier = 2.5;  // width of the band in standard deviations; finite, >= 0
  int iterations = 4;       // re-estimations of the band from the grown region; >= 0
  int initial_radius = 1;   // half-width of the cube around each seed; 0..kMaxInitialRadius
  int connectivity = 26;    // as label_components; ITK floods face-connected, i.e. 6
};

template <>
struct FieldsOf<ConfidenceConnectedParams> {
  static constexpr auto list =
      fields(field("multiplier", &ConfidenceConnectedParams::multiplier),
             field("iterations", &ConfidenceConnectedParams::iterations),
             field("initial_radius", &ConfidenceConnectedParams::initial_radius),
             field("connectivity", &ConfidenceConnectedParams::connectivity));
};

// The largest initial_radius accepted: (2r + 1)^3 voxels are read per seed, as ITK does.
inline constexpr int kMaxInitialRadius = 64;

// What the last estimate was (ITK's GetMean() / GetVariance()) and the band of the output.
struct ConfidenceConnectedStats {
  double mean = 0.0;
  double variance = 0.0;  // n - 1 in the denominator; NaN for fewer than 2 samples
  double lower = 0.0;     // the band of the final flood, as values of the input's dtype
  double upper = 0.0;     // (NaN when the band was NaN, for float32 input)
  int iterations = 0;     // estimates from the region that were made (<= params.iterations)
};

// ITK ConfidenceConnectedImageFilter (ITK 5.4, replace value 1): writes 1 into `output`
// (uint8, shape of `input`) on the region grown from `seeds`, 0 elsewhere. `input`: int16,
// uint16, float32; seeds are (z, y, x) and one outside the volume is an error naming it.
//
// 1. Initial estimate. radius r > 0: for each seed, the sum and sum of squares of the
//    (2r+1)^3 cube around it, with the volume's edge voxels repeated beyond its faces (ITK's
//    ZeroFluxNeumann boundary, so every cube counts (2r+1)^3 values); mean = the average of
//    the seeds' cube means, variance = (sum of all squares - mean^2 * N) / (N - 1) with
//    N = seeds * (2r+1)^3. r = 0: mean and variance (n - 1) of the seeds' own values.
//    Repeated seeds count as often as they are given.
// 2. Band: lower = mean - multiplier * sqrt(variance), upper = mean + ...; widened to hold
//    every seed's value; clamped to the dtype's range (float32: +-FLT_MAX); then cast to the
//    dtype as ITK's static_cast does: integers truncate toward zero, float32 rounds to
//    nearest. A NaN bound (variance NaN, e.g. radius 0 with one seed, or negative from
//    rounding) casts to 0 for integer input (what x86-64 gives, ITK's platform; the band is
//    then [0, 0]) and stays NaN for float32 input (nothing is inside: empty output).
// 3. Flood: the voxels connected to a seed through voxels with lower <= value <= upper
//    (threshold, label_components with `connectivity`, the seeded components).
// 4. `iterations` times: mean and variance (n - 1) of the input over the region (a seed
//    given k times counts k times, as ITK's flood iterator visits it k times); stop if
//    |variance| <= 0.1 * DBL_EPSILON (ITK's Math::AlmostEquals(variance, 0.0)); else a new
//    band as in 2 and a new flood. An empty region gives NaN (float32: empty output stays).
//    A band equal to the previous one would repeat the same region, so it stops there too:
//    same output, fewer passes.
//
// Sums are exact for int16 / uint16 (64-bit integers), so the band is ITK's bit for bit
// while the sums stay below 2^53. float32 sums are in double in a fixed order (chunks of
// 8192 voxels in raster order, 32 strided lanes each, combined by a fixed tree, then the
// chunks in order), the same on the CPU and the GPU, so both give the same output; ITK sums
// in flood order, so a float32 voxel within rounding of a band edge may differ from ITK.
// NaN voxels (float32) are never inside a band; a NaN in a seed's cube makes the initial
// band NaN and the output empty, as in ITK.
// ITK floods face-connected (connectivity 6); other connectivities are medkern's extension.
// Errors (Error(invalid_argument), naming the parameter): multiplier negative, NaN or
// infinite; iterations < 0; initial_radius outside 0..kMaxInitialRadius; a connectivity
// other than 4, 6, 8, 18, 26; no seeds; a seed outside the volume.
ConfidenceConnectedStats confidence_connected(const Context& context, const VolumeRef& input,
                                              const std::vector<Seed>& seeds,
                                              const VolumeRef& output,
                                              const ConfidenceConnectedParams& params = {});

}  // namespace medkern
