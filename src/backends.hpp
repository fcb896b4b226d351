// The interface between the dispatching ops (src/*.cpp) and their two implementations:
// cpu:: (src/cpu/, host memory, any strides, runs to completion) and cuda:: (kernels/,
// device memory, C-contiguous views prepared by the dispatcher, stream-ordered on the
// context's stream). Types shared by both are plain structs usable in device code.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "medkern/context.hpp"
#include "medkern/threshold.hpp"

#if defined(__CUDACC__)
#define MEDKERN_HOST_DEVICE __host__ __device__
#else
#define MEDKERN_HOST_DEVICE
#endif

namespace medkern {

// Products and sums rounded on their own, never fused into an FMA: numpy's bin edges are
// computed so, and CPU and GPU must agree on every edge.
MEDKERN_HOST_DEVICE inline double multiply_rounded(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;  // the library is built with -ffp-contract=off
#endif
}
MEDKERN_HOST_DEVICE inline double add_rounded(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}

MEDKERN_HOST_DEVICE inline float multiply_rounded(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
MEDKERN_HOST_DEVICE inline float add_rounded(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}

// i clamped to 0..n - 1: beyond a face the edge voxel repeats (scipy's mode='nearest').
MEDKERN_HOST_DEVICE inline int64_t clamp_index(int64_t i, int64_t n) {
  return i < 0 ? 0 : (i >= n ? n - 1 : i);
}

// How numpy computes the bin edges, which decides the bin of a value near an edge.
enum class EdgeArithmetic : int32_t {
  float64,                     // integer input: edges in double
  float64_rounded_to_float32,  // float32 input, range given in double: double, then rounded
  float32,                     // float32 input, range taken from the data (skimage's Otsu)
};

// Uniform bins as numpy.histogram builds them (np.linspace): edge[i] = lo + i * step for
// i < bins and edge[bins] = hi, in the arithmetic numpy uses for the input's dtype.
// A value v is in bin i when edge[i] <= v < edge[i + 1]; the last bin also takes edge[bins].
struct HistogramBins {
  uint32_t bins = 1;
  double lo = 0.0;
  double hi = 1.0;
  double step = 1.0;   // (hi - lo) / bins, in double or (float32 arithmetic) in float
  double scale = 1.0;  // bins / (hi - lo), only for the first guess of a bin
  EdgeArithmetic arithmetic = EdgeArithmetic::float64;

  MEDKERN_HOST_DEVICE double edge(int64_t i) const {
    if (arithmetic == EdgeArithmetic::float32) {
      if (i >= bins) return double(float(hi));
      return double(add_rounded(multiply_rounded(float(i), float(step)), float(lo)));
    }
    const double e = i >= bins ? hi : add_rounded(multiply_rounded(double(i), step), lo);
    return arithmetic == EdgeArithmetic::float64 ? e : double(float(e));
  }

  // The bin of `v`, or -1 when numpy would not count it (outside the range, or NaN).
  MEDKERN_HOST_DEVICE int64_t bin_of(double v) const {
    if (!(v >= edge(0) && v <= edge(bins))) return -1;
    int64_t i = int64_t((v - lo) * scale);
    if (i < 0) i = 0;
    if (i > int64_t(bins) - 1) i = int64_t(bins) - 1;
    while (i > 0 && v < edge(i)) --i;
    while (i < int64_t(bins) - 1 && v >= edge(i + 1)) ++i;
    return i;
  }
};

// numpy's bins for `bins` over [lo, hi] (lo == hi widened by 0.5 each way) for input of
// `dtype`; throws Error naming the bad parameter, including numpy's "too many bins" case
// where rounded edges would coincide.
HistogramBins make_histogram_bins(
    uint32_t bins, double lo, double hi, DType dtype,
    EdgeArithmetic float_arithmetic = EdgeArithmetic::float64_rounded_to_float32);

// Extremes of the non-NaN voxels under a mask, and how many there were.
struct MinMax {
  double min = 0.0;
  double max = 0.0;
  uint64_t count = 0;
};

// float32 bits mapped to int32 so that integer order is float order (for atomicMin/Max).
MEDKERN_HOST_DEVICE inline int32_t float_to_ordered(float value) {
#if defined(__CUDA_ARCH__)
  const int32_t bits = __float_as_int(value);
#else
  int32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
#endif
  return bits >= 0 ? bits : bits ^ 0x7fffffff;
}
MEDKERN_HOST_DEVICE inline float ordered_to_float(int32_t key) {
  const int32_t bits = key >= 0 ? key : key ^ 0x7fffffff;
#if defined(__CUDA_ARCH__)
  return __int_as_float(bits);
#else
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
#endif
}

// What label statistics accumulate per label. Integer inputs sum in 64-bit integers so that
// every order of accumulation gives the same result; float32 inputs sum in double.
struct LabelAccumulator {
  unsigned long long count;
  long long sum_int;
  unsigned long long sum_squares_int;
  double sum_float;
  double sum_squares_float;
  long long coordinate_sum[3];  // (z, y, x)
  int32_t min_key;              // the value itself, or float_to_ordered for float32
  int32_t max_key;
  int32_t bbox_min[3];
  int32_t bbox_max[3];
};

MEDKERN_HOST_DEVICE inline LabelAccumulator empty_label_accumulator() {
  return LabelAccumulator{0,
                          0,
                          0,
                          0.0,
                          0.0,
                          {0, 0, 0},
                          0x7fffffff,
                          -0x7fffffff - 1,
                          {0x7fffffff, 0x7fffffff, 0x7fffffff},
                          {-1, -1, -1}};
}

// Dispatchers for the ops' internal steps; arguments are validated by the caller.
// Extremes of `input` (any dtype but uint64) on the context's device.
MinMax min_max(const Context& context, const VolumeRef& input, const VolumeRef* mask);
// Counts on the host.
std::vector<uint64_t> histogram_counts(const Context& context, const VolumeRef& input,
                                       const VolumeRef* mask, const HistogramBins& bins);

// The neighbours of a voxel that come before it in raster order, for a connectivity of 6,
// 18 or 26 (3-D) or 4 or 8 (in-plane); the later half follows by symmetry.
// When the left neighbour (0, 0, -1) is foreground, the neighbours flagged in
// implied_by_left need no union of their own: each is also an earlier neighbour of the left
// voxel, which joined it already, so joining the left voxel joins them too.
struct Neighbourhood {
  int count = 0;
  int8_t dz[13]{}, dy[13]{}, dx[13]{};
  int left = -1;  // index of (0, 0, -1)
  uint32_t implied_by_left = 0;
};
// Throws Error(invalid_argument) naming `connectivity` if it is not one of 4, 6, 8, 18, 26.
Neighbourhood previous_neighbours(int connectivity);

// Every neighbour of a voxel (both halves) for a 3-D connectivity of 6, 18 or 26, in raster
// order of the offsets (dz, dy, dx). The watershed's tie rules take "the first neighbour" in
// this order, on the CPU and the GPU alike.
struct FullNeighbourhood {
  int count = 0;
  int8_t dz[26]{}, dy[26]{}, dx[26]{};
};
// Throws Error(invalid_argument) naming `connectivity` if it is not one of 6, 18, 26.
FullNeighbourhood all_neighbours(int connectivity);

// Elevations as unsigned keys whose integer order is the value order, so that one flooding
// code serves every dtype. kBlockedKey marks voxels that take no part (outside the mask, or
// NaN); no value maps to it.
constexpr uint32_t kBlockedKey = 0xffffffffu;
MEDKERN_HOST_DEVICE inline uint32_t elevation_key(float value) {
  if (value != value) return kBlockedKey;
  // -0 and +0 are one elevation, as they compare equal in scikit-image.
  return uint32_t(float_to_ordered(value == 0.0f ? 0.0f : value)) ^ 0x80000000u;
}
MEDKERN_HOST_DEVICE inline uint32_t elevation_key(int16_t value) {
  return uint32_t(int32_t(value) + 32768);
}
MEDKERN_HOST_DEVICE inline uint32_t elevation_key(uint16_t value) {
  return value;
}

// Which voxels the labelling backends put in one component:
// - nonzero: `image` is a uint8 mask; every non-zero voxel is foreground and neighbouring
//   foreground voxels connect (scipy.ndimage.label).
// - equal_value: `image` is uint8, int16, uint16, int32 or float32; zero is background (and
//   NaN, which equals nothing, even itself), and neighbouring voxels connect when their
//   values are equal (skimage.measure.label with background=0). -0.0 equals 0.0.
// Labels are numbered 1..N in raster order of each component's first voxel either way.
// This is the entry point for ops built on labelling (e.g. regional minima on an elevation
// image): call cpu:: or cuda:: directly with a validated, contiguous image.
enum class LabelRule { nonzero, equal_value };

namespace cpu {
void copy(const VolumeRef& src, const VolumeRef& dst);
MinMax min_max(const Context& context, const VolumeRef& input, const VolumeRef* mask);
void histogram(const Context& context, const VolumeRef& input, const VolumeRef* mask,
               const HistogramBins& bins, uint64_t* counts);
void threshold(const Context& context, const VolumeRef& input, const VolumeRef& output,
               const ThresholdParams& params);
// `accumulators` has max_label + 1 entries; they are overwritten. Label 0 is left empty
// unless include_background.
void label_statistics(const Context& context, const VolumeRef& input, const VolumeRef& labels,
                      int64_t max_label, bool include_background, LabelAccumulator* accumulators);
// `labels` is contiguous int32 host memory (`image` any strides); returns the number of
// components.
int64_t label_components(const Context& context, const VolumeRef& image, int32_t* labels,
                         const Neighbourhood& neighbours, LabelRule rule = LabelRule::nonzero);
// output[i] = flags[labels[i]]: the voxels of the components whose flag is set (`flags` has
// one entry per label, 0 for the background). Contiguous host memory.
void select_flagged_components(const Context& context, const int32_t* labels, const uint8_t* flags,
                               int64_t count, uint8_t* output);
// output[i] = 1 where labels[i] is non-zero and is the label of a seed voxel, else 0.
// `labels`, `output`: contiguous host memory; seeds are linear indices.
void keep_seeded_components(const Context& context, const int32_t* labels, int64_t count,
                            const std::vector<int64_t>& seeds, int64_t components, uint8_t* output);
// keys[i] = elevation_key of `elevation` (any strides), kBlockedKey where `mask` (may be
// null) is 0; `keys` is contiguous host memory.
void elevation_keys(const Context& context, const VolumeRef& elevation, const VolumeRef* mask,
                    uint32_t* keys);
// The watershed on contiguous host memory (include/medkern/watershed.hpp has its rules).
void watershed(const Context& context, const Shape3& shape, const uint32_t* keys,
               const int32_t* markers, const FullNeighbourhood& neighbours, bool watershed_line,
               int32_t* labels);
// minima[i] = 1 on the voxels of regional-minimum plateaus, else 0; contiguous host memory.
void regional_minima(const Context& context, const Shape3& shape, const uint32_t* keys,
                     const FullNeighbourhood& neighbours, uint8_t* minima);
}  // namespace cpu

#if MEDKERN_WITH_CUDA
namespace cuda {
// Any strides on both sides, both on the context's device.
void copy(const Context& context, const VolumeRef& src, const VolumeRef& dst);
// Returns after the stream has reached the result.
MinMax min_max(const Context& context, const VolumeRef& input, const VolumeRef* mask);
// `counts` is device memory with bins.bins entries; it is overwritten.
void histogram(const Context& context, const VolumeRef& input, const VolumeRef* mask,
               const HistogramBins& bins, uint64_t* counts);
void threshold(const Context& context, const VolumeRef& input, const VolumeRef& output,
               const ThresholdParams& params);
// `accumulators` is device memory with max_label + 1 entries; they are overwritten. Label 0
// is left empty unless include_background.
void label_statistics(const Context& context, const VolumeRef& input, const VolumeRef& labels,
                      int64_t max_label, bool include_background, LabelAccumulator* accumulators);
// `image` and `labels` contiguous device memory; returns the number of components after
// the stream has reached it.
int64_t label_components(const Context& context, const VolumeRef& image, int32_t* labels,
                         const Neighbourhood& neighbours, LabelRule rule = LabelRule::nonzero);
// The same two on contiguous device memory.
void select_flagged_components(const Context& context, const int32_t* labels, const uint8_t* flags,
                               int64_t count, uint8_t* output);
void keep_seeded_components(const Context& context, const int32_t* labels, int64_t count,
                            const std::vector<int64_t>& seeds, int64_t components, uint8_t* output);
// The same three on contiguous device memory (the watershed without lines).
void elevation_keys(const Context& context, const VolumeRef& elevation, const VolumeRef* mask,
                    uint32_t* keys);
void watershed(const Context& context, const Shape3& shape, const uint32_t* keys,
               const int32_t* markers, const FullNeighbourhood& neighbours, int32_t* labels);
void regional_minima(const Context& context, const Shape3& shape, const uint32_t* keys,
                     const FullNeighbourhood& neighbours, uint8_t* minima);
}  // namespace cuda
#endif

}  // namespace medkern
