// The parameters of a time-intensity curve (include/medkern/perfusion.hpp): host arithmetic
// in double over one curve.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include <omp.h>

#include "checks.hpp"
#include "medkern/perfusion.hpp"
#include "perfusion_backends.hpp"

namespace medkern {

namespace {

// Where the enhancement e, rising between frames a and a + 1, crosses `level` (linear).
double crossing(const double* e, const double* t, std::size_t a, double level) {
  const double rise = e[a + 1] - e[a];
  const double w = rise != 0.0 ? (level - e[a]) / rise : 0.0;
  return t[a] + std::clamp(w, 0.0, 1.0) * (t[a + 1] - t[a]);
}

void check_curve_options(const CurveParameterOptions& options, std::size_t n) {
  if (options.baseline_frames < 0 || std::size_t(options.baseline_frames) > n) {
    throw Error(Status::invalid_argument,
                fmt::format("baseline_frames: {} must be 0 (found) or 1 .. {} (the frames)",
                            options.baseline_frames, n));
  }
  require_finite(options.early_window_s, "early_window_s", true);
  require_finite(options.type_threshold, "type_threshold");
  if (options.type_threshold < 0.0) {
    throw Error(Status::invalid_argument,
                fmt::format("type_threshold: {} is negative", options.type_threshold));
  }
}

CurveParameters parameters_of(const double* curve, const double* t, std::size_t n,
                              const CurveParameterOptions& options, double* e) {
  // The baseline: given, or the frames before the rise to 10 % of the peak over frame 0.
  std::size_t baseline_frames = std::size_t(options.baseline_frames);
  if (baseline_frames == 0) {
    for (std::size_t i = 0; i < n; ++i) e[i] = curve[i] - curve[0];
    baseline_frames = std::size_t(frames_before_rise(e, n));
  }
  CurveParameters p;
  for (std::size_t i = 0; i < baseline_frames; ++i) p.baseline += curve[i];
  p.baseline /= double(baseline_frames);
  for (std::size_t i = 0; i < n; ++i) e[i] = curve[i] - p.baseline;
  const std::size_t peak = std::size_t(std::max_element(e, e + n) - e);
  p.peak_enhancement = e[peak];
  if (!(p.peak_enhancement > 0.0)) return p;  // no enhancement: the rest stays 0

  p.relative_enhancement = p.baseline > 0.0 ? p.peak_enhancement / p.baseline : 0.0;
  p.time_to_peak_s = t[peak];
  std::size_t first = 0;  // the first frame at 10 % of the peak enhancement
  while (e[first] < kArrivalFraction * p.peak_enhancement) ++first;
  p.arrival_s =
      first == 0 ? t[0] : crossing(e, t, first - 1, kArrivalFraction * p.peak_enhancement);
  double moment = 0.0;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const double dt = t[i + 1] - t[i];
    p.area += 0.5 * dt * (e[i] + e[i + 1]);
    moment += 0.5 * dt * (t[i] * e[i] + t[i + 1] * e[i + 1]);
    if (i < peak) p.wash_in_slope = std::max(p.wash_in_slope, (e[i + 1] - e[i]) / dt);
  }
  p.first_moment_s = p.area > 0.0 ? moment / p.area : 0.0;
  if (peak + 1 < n) p.wash_out_slope = (e[n - 1] - e[peak]) / (t[n - 1] - t[peak]);

  // Full width at half maximum: from the rise through half the peak to the fall through it
  // (the last frame if it stays above).
  const double half = 0.5 * p.peak_enhancement;
  std::size_t up = peak;
  while (up > 0 && e[up - 1] >= half) --up;
  const double start = up == 0 ? t[0] : crossing(e, t, up - 1, half);
  std::size_t down = peak;
  while (down + 1 < n && e[down + 1] >= half) ++down;
  const double end = down + 1 == n ? t[n - 1]
                                   : t[down] + (e[down] - half) / (e[down] - e[down + 1]) *
                                                   (t[down + 1] - t[down]);
  p.fwhm_s = end - start;

  // The early peak (within the early window after arrival) against the last frame.
  double early = e[first];
  for (std::size_t i = first; i < n && t[i] <= p.arrival_s + options.early_window_s; ++i) {
    early = std::max(early, e[i]);
  }
  const double last = e[n - 1];
  p.signal_enhancement_ratio = last != 0.0 ? early / last : 0.0;
  const double change = (last - early) / early;
  p.kinetic_type = change > options.type_threshold ? 1 : change < -options.type_threshold ? 3 : 2;
  return p;
}

}  // namespace

CurveParameters curve_parameters(const std::vector<double>& curve,
                                 const std::vector<double>& times_s,
                                 const CurveParameterOptions& options) {
  const std::size_t n = curve.size();
  if (n < 2) {
    throw Error(Status::invalid_argument,
                fmt::format("curve: {} values; a curve has at least 2", n));
  }
  check_frame_times(times_s, int64_t(n));
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(curve[i])) {
      throw Error(Status::invalid_argument, fmt::format("curve: {} at frame {}", curve[i], i));
    }
  }
  check_curve_options(options, n);
  std::vector<double> t(n), e(n);
  for (std::size_t i = 0; i < n; ++i) t[i] = times_s[i] - times_s[0];
  return parameters_of(curve.data(), t.data(), n, options, e.data());
}

void kinetic_maps(const Context& context, const SeriesRef& series,
                  const std::vector<double>& times_s, const VolumeRef* mask,
                  const KineticMapsRef& maps, const CurveParameterOptions& options) {
  check_perfusion_series(context, series, "series", 2);
  check_frame_times(times_s, series.frames);
  check_curve_options(options, std::size_t(series.frames));
  require_mask(context, mask, series.first);
  const std::pair<const VolumeRef*, const char*> floats[] = {
      {&maps.baseline, "baseline"},
      {&maps.peak_enhancement, "peak_enhancement"},
      {&maps.relative_enhancement, "relative_enhancement"},
      {&maps.time_to_peak, "time_to_peak"},
      {&maps.arrival, "arrival"},
      {&maps.area, "area"},
      {&maps.wash_in_slope, "wash_in_slope"},
      {&maps.wash_out_slope, "wash_out_slope"},
      {&maps.first_moment, "first_moment"},
      {&maps.fwhm, "fwhm"},
      {&maps.signal_enhancement_ratio, "signal_enhancement_ratio"}};
  for (const auto& [map, name] : floats) {
    require_like(context, series.first, "series frame", *map, name, {DType::float32});
  }
  require_like(context, series.first, "series frame", maps.kinetic_type, "kinetic_type",
               {DType::uint8});

  const HostSeries host = series_on_host(context, series);
  const auto n = std::size_t(host.frames);
  const int64_t voxels = host.voxels;
  std::vector<uint8_t> inside(std::size_t(voxels), 1);
  if (mask != nullptr) copy(context, *mask, make_view(inside.data(), mask->shape));
  std::vector<double> t(n);
  for (std::size_t i = 0; i < n; ++i) t[i] = times_s[i] - times_s[0];
  constexpr int kFloatMaps = 11;
  std::vector<float> out(std::size_t(kFloatMaps * voxels), 0.0f);
  std::vector<uint8_t> types(std::size_t(voxels), 0);
  const int threads = context.is_cuda() ? 1 : context.num_threads();
  std::vector<double> scratch(2 * n * std::size_t(std::max(threads, 1)));
#pragma omp parallel for schedule(static) num_threads(std::max(threads, 1))
  for (int64_t v = 0; v < voxels; ++v) {
    if (inside[std::size_t(v)] == 0) continue;
    double* curve = scratch.data() + 2 * n * std::size_t(omp_get_thread_num());
    double* e = curve + n;
    bool finite = true;
    for (std::size_t i = 0; i < n; ++i) {
      curve[i] = host.at(int64_t(i), v);
      finite &= std::isfinite(curve[i]);
    }
    if (!finite) continue;  // a voxel with NaN or infinity keeps 0 everywhere
    const CurveParameters p = parameters_of(curve, t.data(), n, options, e);
    const double values[kFloatMaps] = {p.baseline,
                                       p.peak_enhancement,
                                       p.relative_enhancement,
                                       p.time_to_peak_s,
                                       p.arrival_s,
                                       p.area,
                                       p.wash_in_slope,
                                       p.wash_out_slope,
                                       p.first_moment_s,
                                       p.fwhm_s,
                                       p.signal_enhancement_ratio};
    for (int k = 0; k < kFloatMaps; ++k) {
      out[std::size_t(k * voxels + v)] = float(values[k]);
    }
    types[std::size_t(v)] = uint8_t(p.kinetic_type);
  }
  const Shape3 shape = series.first.shape;
  for (int k = 0; k < kFloatMaps; ++k) {
    copy(context, make_view(out.data() + std::size_t(k) * std::size_t(voxels), shape),
         *floats[k].first);
  }
  copy(context, make_view(types.data(), shape), maps.kinetic_type);
}

}  // namespace medkern
