// Perfusion's backends: the per-voxel work that the CPU (src/cpu/perfusion.cpp) and the GPU
// (kernels/perfusion.cu) share, written once here so that both compute alike. The
// dispatcher (src/perfusion.cpp) derives a PerfusionPlan once per call: the baseline, the
// resampling to a uniform grid, the AIF's deconvolution operator (from its SVD) and the
// scales; a backend then applies it to every voxel's curve.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "host_device.hpp"
#include "medkern/perfusion.hpp"

namespace medkern {

// Bounds that keep a voxel's scratch small (a GPU thread holds it in local memory).
constexpr int32_t kMaxPerfusionFrames = 512;
constexpr int32_t kMaxPerfusionSamples = 256;   // points of the uniform grid
constexpr int32_t kOscillationCandidates = 20;  // osvd: thresholds 0.95, 0.90, ..., 0.00

// A bolus arrives when the concentration first reaches this fraction of its peak.
constexpr double kArrivalFraction = 0.1;

// Pointers are host memory for the CPU backend, device memory for the GPU's.
struct PerfusionPlan {
  int32_t frames = 0;   // nt of the series
  int32_t samples = 0;  // N: points of the uniform grid
  // M: N (ssvd) or 2N (circulant methods). The peak is sought in the first N samples only:
  // the circulant methods' second half is the wrap-around, where a delay cannot reach.
  int32_t residue_length = 0;
  int32_t rank = 0;  // osvd: columns of u_t / v_scaled (L = M)
  int32_t baseline_frames = 1;
  // The frames are the uniform grid: samples == frames, resample_index[u] == u, no weights.
  bool uniform = false;
  PerfusionModality modality = PerfusionModality::ct;
  float te_s = 1.0f;
  float dt_s = 1.0f;  // interval of the uniform grid
  // Uniform sample u is (1 - w) * frame[i] + w * frame[i + 1], i = resample_index[u],
  // w = resample_weight[u] (i + 1 is not read when w == 0).
  const int32_t* resample_index = nullptr;
  const float* resample_weight = nullptr;
  // Per frame: its time after the first frame, and its trapezoid weight for the area under
  // the curve on the original frames.
  const float* frame_time_s = nullptr;
  const float* frame_weight_s = nullptr;
  // Fixed methods (ssvd, csvd, tikhonov): residue = inverse (N x N, row-major: the first N
  // rows of the M x N operator) * curve.
  const float* inverse = nullptr;
  // osvd: y = u_t (rank x N) * curve; the residue of the k largest singular values is
  // sum over i < k of v_scaled[:, i] * y[i] (v_scaled: M x rank, row-major, the columns of
  // V / s in decreasing order of s); candidate_rank[j] is k for the j-th threshold
  // (decreasing thresholds, so increasing ranks).
  const float* u_t = nullptr;
  const float* v_scaled = nullptr;
  int32_t candidate_rank[kOscillationCandidates] = {};
  float oscillation_index = 0.095f;
  bool oscillation = false;
  // Map scales: CBF = cbf_scale * max residue; CBV = cbv_scale * area under the curve.
  float cbf_scale = 0.0f;
  float cbv_scale = 0.0f;
};

struct PerfusionVoxel {
  float cbf, cbv, mtt, tmax, ttp, arrival;
  uint8_t valid;
};

// Scratch of one voxel (floats): the curve on the frames, on the grid, the osvd projection
// and residue.
MEDKERN_HOST_DEVICE inline int32_t perfusion_scratch_floats(const PerfusionPlan& plan) {
  return plan.frames + plan.samples + (plan.oscillation ? plan.rank + plan.residue_length : 0);
}

MEDKERN_HOST_DEVICE inline bool is_finite(float value) {
#if defined(__CUDA_ARCH__)
  return isfinite(value);
#else
  return std::isfinite(value);
#endif
}

// Concentration of signal `s` against baseline `s0`. MR: a signal at or below 0 counts as
// a millionth of the baseline, so that no logarithm of 0 or less is taken.
MEDKERN_HOST_DEVICE inline float concentration_of(float s, float s0, PerfusionModality modality,
                                                  float te_s) {
  switch (modality) {
    case PerfusionModality::ct:
      return s - s0;
    case PerfusionModality::mr: {
      const float ratio = s / s0;
      return -logf(ratio > 1e-6f ? ratio : 1e-6f) / te_s;
    }
    default:
      return s;
  }
}

// The first time (after frame 0, linear between frames) at which `c` reaches `fraction` of
// its peak value `peak` reached at frame `peak_frame`.
template <class Floats>
MEDKERN_HOST_DEVICE float arrival_time(const Floats& c, const float* time_s, int32_t peak_frame,
                                       float peak, float fraction) {
  const float level = fraction * peak;
  for (int32_t t = 0; t <= peak_frame; ++t) {
    if (c[t] >= level) {
      if (t == 0) return time_s[0];
      const float rise = c[t] - c[t - 1];
      const float w = rise > 0.0f ? (level - c[t - 1]) / rise : 1.0f;
      return add_rounded(time_s[t - 1], multiply_rounded(w, time_s[t] - time_s[t - 1]));
    }
  }
  return time_s[peak_frame];
}

// The parabola's vertex through (m - 1, left), (m, centre), (m + 1, right), as an offset in
// (-0.5, 0.5) from m; 0 at the ends or where the three are not a peak.
MEDKERN_HOST_DEVICE inline float parabolic_offset(float left, float centre, float right) {
  const float curvature = add_rounded(left - multiply_rounded(2.0f, centre), right);
  if (!(curvature < 0.0f)) return 0.0f;
  const float offset = 0.5f * (left - right) / curvature;
  return offset > 0.5f ? 0.5f : (offset < -0.5f ? -0.5f : offset);
}

// The residue's maximum and its sub-sample position.
struct ResiduePeak {
  float value;
  float position;  // in samples
};

template <class Floats>
MEDKERN_HOST_DEVICE ResiduePeak residue_peak(const Floats& f, int32_t m) {
  int32_t best = 0;
  for (int32_t i = 1; i < m; ++i) {
    if (f[i] > f[best]) best = i;
  }
  float offset = 0.0f;
  if (best > 0 && best + 1 < m) offset = parabolic_offset(f[best - 1], f[best], f[best + 1]);
  return {f[best], float(best) + offset};
}

// Wu et al. (2003), eq. 5: O = sum over k of |f(k) - 2 f(k - 1) + f(k - 2)| / (m f_max).
template <class Floats>
MEDKERN_HOST_DEVICE float oscillation_of(const Floats& f, int32_t m, float f_max) {
  float sum = 0.0f;
  for (int32_t k = 2; k < m; ++k) {
    sum += fabsf(add_rounded(f[k] - multiply_rounded(2.0f, f[k - 1]), f[k - 2]));
  }
  return sum / (float(m) * f_max);
}

// Floats `stride` apart: a GPU thread's scratch, interleaved with its neighbours' so that a
// warp's accesses coalesce. A CPU thread's is a plain float*.
struct StridedFloats {
  float* base;
  int64_t stride;
  MEDKERN_HOST_DEVICE float& operator[](int64_t i) const { return base[i * stride]; }
  MEDKERN_HOST_DEVICE StridedFloats operator+(int64_t i) const {
    return {base + i * stride, stride};
  }
};

// A voxel's curve, what the maps need of it besides the residue.
struct CurveSummary {
  int32_t peak_frame;
  float peak;
  float area;     // under the concentration, over the frames
  bool enhanced;  // false: no baseline (MR), a non-finite value, or no positive peak or area
};

// Products and sums below are rounded on their own (host_device.hpp), so that the GPU
// computes what the CPU does.

// The concentration of the voxel whose value at frame t is value(t) into c (nt floats) and
// its resampling onto the uniform grid into grid (n floats; for uniform frames grid may be
// c itself).
template <class ValueOf, class Floats>
MEDKERN_HOST_DEVICE CurveSummary curve_of(const PerfusionPlan& plan, ValueOf&& value,
                                          const Floats& c, const Floats& grid) {
  const CurveSummary none{0, 0.0f, 0.0f, false};
  float s0 = 0.0f;
  if (plan.modality != PerfusionModality::concentration) {
    for (int32_t t = 0; t < plan.baseline_frames; ++t) s0 += float(value(t));
    s0 /= float(plan.baseline_frames);
    if (plan.modality == PerfusionModality::mr && !(s0 > 0.0f)) return none;
  }
  CurveSummary curve{0, 0.0f, 0.0f, true};
  // Kept in registers: c may alias the plan's arrays as far as a compiler knows, and would
  // otherwise reload them, and the peak, after every store.
  const float* weight = plan.frame_weight_s;
  float peak = 0.0f;
  for (int32_t t = 0; t < plan.frames; ++t) {
    const float ct = concentration_of(float(value(t)), s0, plan.modality, plan.te_s);
    c[t] = ct;
    if (!is_finite(ct)) return none;
    if (t == 0 || ct > peak) {
      peak = ct;
      curve.peak_frame = t;
    }
    curve.area = add_rounded(curve.area, multiply_rounded(weight[t], ct));
  }
  curve.peak = peak;
  if (!(curve.peak > 0.0f) || !(curve.area > 0.0f)) return none;
  for (int32_t u = 0; u < plan.samples; ++u) {
    const int32_t i = plan.resample_index[u];
    const float w = plan.resample_weight[u];
    grid[u] = w == 0.0f
                  ? c[i]
                  : add_rounded(multiply_rounded(1.0f - w, c[i]), multiply_rounded(w, c[i + 1]));
  }
  return curve;
}

// Tracks the peak of a residue streamed sample by sample: the largest value, its index and
// its neighbours, for the parabolic refinement.
struct PeakTracker {
  float best = 0.0f, previous = 0.0f, left = 0.0f, right = 0.0f;
  int32_t index = -1, count = 0;

  MEDKERN_HOST_DEVICE void add(float f) {
    if (index == count - 1 && count > 0) right = f;
    if (index < 0 || f > best) {
      best = f;
      index = count;
      left = previous;
    }
    previous = f;
    ++count;
  }
  MEDKERN_HOST_DEVICE ResiduePeak peak() const {
    float position = float(index);
    if (index > 0 && index + 1 < count) position += parabolic_offset(left, best, right);
    return {best, position};
  }
};

// What the residue functions show a caller that keeps the residues (of a region, for
// inspection): each sample of a fixed method's residue, each residue osvd chooses. The maps
// keep nothing.
struct DropResidue {
  MEDKERN_HOST_DEVICE void sample(int32_t, float) const {}
  template <class Floats>
  MEDKERN_HOST_DEVICE void residue(const Floats&) const {}
};

// The fixed methods (ssvd, csvd, tikhonov): the residue's first n samples, row by row of the
// operator, only its peak kept; keep.sample(i, f) sees each sample.
template <class Floats, class Keep = DropResidue>
MEDKERN_HOST_DEVICE ResiduePeak fixed_residue_peak(const PerfusionPlan& plan, const Floats& grid,
                                                   Keep&& keep = {}) {
  const int32_t n = plan.samples;
  PeakTracker tracker;
  for (int32_t i = 0; i < n; ++i) {
    const float* row = plan.inverse + int64_t(i) * n;
    float f = 0.0f;
    for (int32_t u = 0; u < n; ++u) f = add_rounded(f, multiply_rounded(row[u], grid[u]));
    tracker.add(f);
    keep.sample(i, f);
  }
  return tracker.peak();
}

// osvd: the residue built up component by component (y: rank floats, f: m floats of
// scratch); thresholds from the largest down: the smallest threshold whose residue
// oscillates less than the index wins, else the largest; keep.residue(f) sees each residue
// chosen.
template <class Floats, class Keep = DropResidue>
MEDKERN_HOST_DEVICE ResiduePeak oscillation_residue_peak(const PerfusionPlan& plan,
                                                         const Floats& grid, const Floats& y,
                                                         const Floats& f, Keep&& keep = {}) {
  const int32_t n = plan.samples, m = plan.residue_length;
  for (int32_t k = 0; k < plan.rank; ++k) {
    const float* row = plan.u_t + int64_t(k) * n;
    float sum = 0.0f;
    for (int32_t u = 0; u < n; ++u) sum = add_rounded(sum, multiply_rounded(row[u], grid[u]));
    y[k] = sum;
  }
  for (int32_t i = 0; i < m; ++i) f[i] = 0.0f;
  ResiduePeak best{0.0f, 0.0f};
  int32_t added = 0;
  bool chosen = false;
  for (int32_t j = 0; j < kOscillationCandidates; ++j) {
    const int32_t rank = plan.candidate_rank[j];
    if (rank == added) continue;
    for (; added < rank; ++added) {
      const float yk = y[added];
      for (int32_t i = 0; i < m; ++i) {
        f[i] =
            add_rounded(f[i], multiply_rounded(plan.v_scaled[int64_t(i) * plan.rank + added], yk));
      }
    }
    const ResiduePeak candidate = residue_peak(f, n);
    if (!(candidate.value > 0.0f)) continue;
    if (!chosen || oscillation_of(f, m, candidate.value) < plan.oscillation_index) {
      best = candidate;
      chosen = true;
      keep.residue(f);
    }
  }
  return best;
}

// The maps of a curve and its residue's peak.
template <class Floats>
MEDKERN_HOST_DEVICE PerfusionVoxel maps_of(const PerfusionPlan& plan, const CurveSummary& curve,
                                           const ResiduePeak& best, const Floats& c) {
  const PerfusionVoxel none{0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0};
  if (!curve.enhanced || !(best.value > 0.0f)) return none;
  PerfusionVoxel out;
  out.cbf = plan.cbf_scale * best.value;
  out.cbv = plan.cbv_scale * curve.area;
  out.mtt = 60.0f * out.cbv / out.cbf;
  out.tmax = best.position * plan.dt_s;
  out.ttp = plan.frame_time_s[curve.peak_frame];
  out.arrival =
      arrival_time(c, plan.frame_time_s, curve.peak_frame, curve.peak, float(kArrivalFraction));
  out.valid = is_finite(out.cbf) && is_finite(out.cbv) && is_finite(out.mtt) ? 1 : 0;
  return out.valid ? out : none;
}

// The maps of one voxel whose value at frame t is value(t). `scratch` (a float* or
// StridedFloats) holds perfusion_scratch_floats(plan) floats.
template <class ValueOf, class Floats>
MEDKERN_HOST_DEVICE PerfusionVoxel perfusion_voxel(const PerfusionPlan& plan, ValueOf&& value,
                                                   const Floats& scratch) {
  const Floats c = scratch, grid = scratch + plan.frames;
  const CurveSummary curve = curve_of(plan, value, c, grid);
  if (!curve.enhanced) return maps_of(plan, curve, ResiduePeak{0.0f, 0.0f}, c);
  const ResiduePeak best = plan.oscillation
                               ? oscillation_residue_peak(plan, grid, grid + plan.samples,
                                                          grid + plan.samples + plan.rank)
                               : fixed_residue_peak(plan, grid);
  return maps_of(plan, curve, best, c);
}

// The dispatchers' checks (src/perfusion.cpp): a series of an intensity dtype, reachable,
// of min_frames .. kMaxPerfusionFrames frames; one finite, increasing time per frame.
void check_perfusion_series(const Context& context, const SeriesRef& series, const char* what,
                            int64_t min_frames);
void check_frame_times(const std::vector<double>& times, int64_t frames);
// A known modality, and for mr a finite, positive echo time.
void check_modality(PerfusionModality modality, double te_s);
// The frames before a curve's bolus arrives: before `rise` (the curve against its first
// frame) first reaches kArrivalFraction of its peak; at least one, and one without a rise.
int32_t frames_before_rise(const double* rise, std::size_t n);
// Trapezoid weights of the frames: the sum of w[t] c[t] is the area under c over the times.
std::vector<double> trapezoid_weights(const std::vector<double>& times);

// A series' values on the host as float, frame after frame (frame t of voxel v at
// t * voxels + v), for the ops that run on the host whatever the context.
struct HostSeries {
  int64_t frames = 0, voxels = 0;
  std::vector<float> values;
  float at(int64_t t, int64_t v) const { return values[std::size_t(t * voxels + v)]; }
};
HostSeries series_on_host(const Context& context, const SeriesRef& series);

namespace cpu {
// The maps of every voxel of `series` (host) inside `mask` (may be null) into `maps` (host
// views of any strides).
void perfusion_maps(const Context& context, const SeriesRef& series, const VolumeRef* mask,
                    const PerfusionPlan& plan, const PerfusionMapsRef& maps);
}  // namespace cpu

// The sums of time-intensity curves, one entry per (row, frame) at row * frames + t, in
// device memory, zeroed by the caller. Integer series: sum_int and squares_int (their
// counts are the labels' voxels); float32: count (NaN is not counted), sum_float and
// squares_float. The fields a series does not use may be null.
struct CurveSumTables {
  unsigned long long* count;
  long long* sum_int;
  unsigned long long* squares_int;
  double* sum_float;
  double* squares_float;
};

#if MEDKERN_WITH_CUDA
namespace cuda {
// The same on the GPU: `series`, `mask` and `maps` C-contiguous device memory of the
// context's device; `plan`'s pointers device memory.
void perfusion_maps(const Context& context, const SeriesRef& series, const VolumeRef* mask,
                    const PerfusionPlan& plan, const PerfusionMapsRef& maps);
// Adds every frame of the voxels whose label l (1 .. max_label) has a row (row_of[l] >= 0)
// into `sums`, in one pass over the series: `series` and `labels` C-contiguous device memory,
// `row_of` max_label + 1 entries of device memory.
void time_intensity_sums(const Context& context, const SeriesRef& series, const VolumeRef& labels,
                         const int32_t* row_of, int64_t max_label, const CurveSumTables& sums);
}  // namespace cuda
#endif

}  // namespace medkern
