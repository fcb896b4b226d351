// The histogram's backends: bins as numpy builds them, shared by the CPU (src/cpu/histogram.cpp)
// and the GPU (kernels/histogram.cu), so that both put every value in the same bin.
#pragma once

#include <cstdint>
#include <vector>

#include "host_device.hpp"
#include "medkern/context.hpp"

namespace medkern {

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

// Counts on the host, on either backend; arguments are validated by the caller.
std::vector<uint64_t> histogram_counts(const Context& context, const VolumeRef& input,
                                       const VolumeRef* mask, const HistogramBins& bins);

namespace cpu {
void histogram(const Context& context, const VolumeRef& input, const VolumeRef* mask,
               const HistogramBins& bins, uint64_t* counts);
}  // namespace cpu

#if MEDKERN_WITH_CUDA
namespace cuda {
// `counts` is device memory with bins.bins entries; it is overwritten.
void histogram(const Context& context, const VolumeRef& input, const VolumeRef* mask,
               const HistogramBins& bins, uint64_t* counts);
}  // namespace cuda
#endif

}  // namespace medkern
