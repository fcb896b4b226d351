#include "medkern/perfusion.hpp"

#include <fmt/format.h>

#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "checks.hpp"
#include "device_buffer.hpp"
#include "dtype_dispatch.hpp"
#include "label_statistics_backends.hpp"
#include "medkern/label_statistics.hpp"
#include "perfusion_backends.hpp"
#include "staging.hpp"

namespace medkern {

VolumeRef SeriesRef::frame(int64_t t) const {
  VolumeRef volume = first;
  volume.data = static_cast<char*>(first.data) +
                t * frame_stride * static_cast<int64_t>(dtype_size(first.dtype));
  return volume;
}

void validate_series(const SeriesRef& series, const char* what) {
  validate_volume(series.first, what);
  if (series.frames < 1) {
    throw Error(Status::invalid_argument,
                fmt::format("{}: {} frames; a series has at least one", what, series.frames));
  }
  // The last frame's offset must fit as the volume's own offsets do.
  const int64_t stride = series.frame_stride;
  const int64_t magnitude = stride == INT64_MIN ? INT64_MAX : (stride < 0 ? -stride : stride);
  if (magnitude != 0 && series.frames - 1 > INT64_MAX / 16 / magnitude) {
    throw Error(Status::overflow, fmt::format("{}: {} frames of stride {} overflow 64-bit offsets",
                                              what, series.frames, stride));
  }
}

void check_frame_times(const std::vector<double>& times, int64_t frames) {
  if (static_cast<int64_t>(times.size()) != frames) {
    throw Error(Status::shape_mismatch,
                fmt::format("times_s: {} times for {} frames", times.size(), frames));
  }
  for (std::size_t t = 0; t < times.size(); ++t) {
    if (!std::isfinite(times[t]) || (t > 0 && !(times[t] > times[t - 1]))) {
      throw Error(Status::invalid_argument,
                  fmt::format("times_s: {} at frame {} is not finite or not after the frame "
                              "before",
                              times[t], t));
    }
  }
}

void check_perfusion_series(const Context& context, const SeriesRef& series, const char* what,
                            int64_t min_frames) {
  validate_series(series, what);
  require_dtype(series.first, what, {DType::int16, DType::uint16, DType::float32});
  require_reachable(context, series.first, what);
  if (series.frames < min_frames || series.frames > kMaxPerfusionFrames) {
    throw Error(Status::invalid_argument,
                fmt::format("{}: {} frames; perfusion takes {} .. {}", what, series.frames,
                            min_frames, kMaxPerfusionFrames));
  }
}

void check_modality(PerfusionModality modality, double te_s) {
  if (modality != PerfusionModality::ct && modality != PerfusionModality::mr &&
      modality != PerfusionModality::concentration) {
    throw Error(
        Status::invalid_argument,
        fmt::format("modality: {} is none of ct (0), mr (1), concentration (2)", int(modality)));
  }
  if (modality == PerfusionModality::mr) {
    require_finite(te_s, "te_s", true, " (the echo time in seconds, needed for mr)");
  }
}

HostSeries series_on_host(const Context& context, const SeriesRef& series) {
  HostSeries host;
  host.frames = series.frames;
  host.voxels = series.first.numel();
  host.values.resize(std::size_t(host.frames * host.voxels));
  const Shape3 shape = series.first.shape;
  visit_image_dtype(series.first.dtype, [&](auto type) {
    using T = decltype(type);
    std::vector<T> frame(static_cast<std::size_t>(host.voxels));
    for (int64_t t = 0; t < series.frames; ++t) {
      copy(context, series.frame(t), make_view(frame.data(), shape));
      std::copy(frame.begin(), frame.end(), host.values.begin() + t * host.voxels);
    }
  });
  return host;
}

namespace {

// Values the dispatcher computes in double and the backends read in float.
template <class T>
std::vector<float> to_float(const std::vector<T>& values) {
  return std::vector<float>(values.begin(), values.end());
}

double default_truncation(DeconvolutionMethod method) {
  return method == DeconvolutionMethod::ssvd ? 0.2 : 0.1;
}

void check_params(const PerfusionParams& p, int64_t frames) {
  check_modality(p.modality, p.te_s);
  if (p.method != DeconvolutionMethod::ssvd && p.method != DeconvolutionMethod::csvd &&
      p.method != DeconvolutionMethod::osvd && p.method != DeconvolutionMethod::tikhonov) {
    throw Error(Status::invalid_argument,
                fmt::format("method: {} is none of ssvd (0), csvd (1), osvd (2), tikhonov (3)",
                            int(p.method)));
  }
  if (!std::isfinite(p.truncation) || p.truncation >= 1.0) {
    throw Error(Status::invalid_argument,
                fmt::format("truncation: {} must be finite and below 1 (negative: the method's "
                            "default)",
                            p.truncation));
  }
  require_finite(p.oscillation_index, "oscillation_index", true);
  if (p.baseline_frames < 0 || p.baseline_frames > frames) {
    throw Error(Status::invalid_argument,
                fmt::format("baseline_frames: {} must be 0 (found from the AIF) or 1 .. {} (the "
                            "frames)",
                            p.baseline_frames, frames));
  }
  for (const auto& [value, name] : {std::pair{p.hematocrit_large, "hematocrit_large"},
                                    std::pair{p.hematocrit_small, "hematocrit_small"}}) {
    if (!(value >= 0.0 && value < 1.0)) {
      throw Error(Status::invalid_argument, fmt::format("{}: {} must be in [0, 1)", name, value));
    }
  }
  require_finite(p.density_g_per_ml, "density_g_per_ml", true);
}

double concentration(double s, double s0, const PerfusionParams& p) {
  return concentration_of(float(s), float(s0), p.modality, float(p.te_s));
}

// The frames before the AIF's bolus arrival, taken against the first frame as baseline.
int32_t baseline_from_aif(const std::vector<double>& aif, const PerfusionParams& p) {
  std::vector<double> c(aif.size());
  for (std::size_t t = 0; t < aif.size(); ++t) c[t] = concentration(aif[t], aif[0], p);
  return frames_before_rise(c.data(), c.size());
}

}  // namespace

int32_t frames_before_rise(const double* rise, std::size_t n) {
  const double peak = *std::max_element(rise, rise + n);
  if (!(peak > 0.0)) return 1;
  std::size_t t = 0;
  while (rise[t] < kArrivalFraction * peak) ++t;
  return std::max<int32_t>(1, int32_t(t));
}

std::vector<double> trapezoid_weights(const std::vector<double>& times) {
  std::vector<double> w(times.size(), 0.0);
  for (std::size_t t = 0; t + 1 < times.size(); ++t) {
    const double half = 0.5 * (times[t + 1] - times[t]);
    w[t] += half;
    w[t + 1] += half;
  }
  return w;
}

namespace {

// What the backends read, in host memory, and the plan pointing into it.
struct PlanData {
  PerfusionPlan plan;
  std::vector<int32_t> resample_index;
  std::vector<float> resample_weight, frame_time_s, frame_weight_s, inverse, u_t, v_scaled;
  PerfusionInfo info;

  void point_plan_here() {
    plan.resample_index = resample_index.data();
    plan.resample_weight = resample_weight.data();
    plan.frame_time_s = frame_time_s.data();
    plan.frame_weight_s = frame_weight_s.data();
    plan.inverse = inverse.empty() ? nullptr : inverse.data();
    plan.u_t = u_t.empty() ? nullptr : u_t.data();
    plan.v_scaled = v_scaled.empty() ? nullptr : v_scaled.data();
  }
};

PlanData make_plan(const std::vector<double>& times, const std::vector<double>& aif_signal,
                   const std::vector<double>& vof_signal, const PerfusionParams& p) {
  const auto nt = static_cast<int32_t>(times.size());
  PlanData d;
  PerfusionPlan& plan = d.plan;
  plan.frames = nt;
  plan.modality = p.modality;
  plan.te_s = float(p.te_s > 0.0 ? p.te_s : 1.0);
  plan.baseline_frames =
      p.baseline_frames > 0 ? p.baseline_frames : baseline_from_aif(aif_signal, p);

  // The AIF (and the VOF) as concentration, and the areas under them.
  std::vector<double> relative(nt);
  for (int32_t t = 0; t < nt; ++t) relative[t] = times[t] - times[0];
  const std::vector<double> weights = trapezoid_weights(relative);
  const auto to_concentration = [&](const std::vector<double>& signal, const char* what,
                                    double* area) {
    double s0 = 0.0;
    for (int32_t t = 0; t < plan.baseline_frames; ++t) s0 += signal[t];
    s0 /= plan.baseline_frames;
    if (p.modality == PerfusionModality::mr && !(s0 > 0.0)) {
      throw Error(Status::invalid_argument,
                  fmt::format("{}: baseline signal {} must be positive for mr", what, s0));
    }
    if (p.modality == PerfusionModality::concentration) s0 = 0.0;
    std::vector<double> c(nt);
    *area = 0.0;
    for (int32_t t = 0; t < nt; ++t) {
      c[t] = concentration(signal[t], s0, p);
      *area += weights[t] * c[t];
    }
    if (!(*area > 0.0) || !std::isfinite(*area)) {
      throw Error(Status::invalid_argument,
                  fmt::format("{}: its concentration has no positive area ({}): no bolus in it",
                              what, *area));
    }
    return c;
  };
  double aif_area = 0.0;
  std::vector<double> aif = to_concentration(aif_signal, "aif", &aif_area);
  if (!vof_signal.empty()) {
    // Partial volume: an artery seen through a voxel larger than itself has too small an
    // AIF. A vein's outflow carries all the tracer that came in, so the AIF is scaled to the
    // VOF's area (CBF and CBV shrink by the same factor).
    double vof_area = 0.0;
    to_concentration(vof_signal, "vof", &vof_area);
    for (double& c : aif) c *= vof_area / aif_area;
    aif_area = vof_area;
  }

  // The uniform grid: the smallest frame interval, coarser where the grid would be too long.
  double dt = relative.back();
  for (int32_t t = 0; t + 1 < nt; ++t) dt = std::min(dt, relative[t + 1] - relative[t]);
  if (nt == 1) dt = 1.0;
  int32_t n = int32_t(std::floor(relative.back() / dt + 1e-6)) + 1;
  if (n > kMaxPerfusionSamples) {
    n = kMaxPerfusionSamples;
    dt = relative.back() / (n - 1);
  }
  plan.samples = n;
  plan.dt_s = float(dt);
  std::vector<double> grid_aif(n);
  d.resample_index.resize(n);
  d.resample_weight.resize(n);
  for (int32_t u = 0, i = 0; u < n; ++u) {
    const double time = std::min(u * dt, relative.back());
    while (i + 1 < nt && relative[i + 1] <= time) ++i;
    const double w = i + 1 < nt ? (time - relative[i]) / (relative[i + 1] - relative[i]) : 0.0;
    d.resample_index[u] = i;
    d.resample_weight[u] = float(w);
    grid_aif[u] = w == 0.0 ? aif[i] : (1.0 - w) * aif[i] + w * aif[i + 1];
  }

  plan.uniform = n == nt;
  for (int32_t u = 0; u < n && plan.uniform; ++u) {
    plan.uniform = d.resample_index[u] == u && d.resample_weight[u] == 0.0f;
  }

  // The convolution matrix of the AIF and its SVD.
  const bool circulant = p.method != DeconvolutionMethod::ssvd;
  const int32_t m = circulant ? 2 * n : n;
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(m, m);
  for (int32_t i = 0; i < m; ++i) {
    for (int32_t j = 0; j < m; ++j) {
      const int32_t lag = circulant ? (i - j + m) % m : i - j;
      if (lag >= 0 && lag < n) a(i, j) = dt * grid_aif[lag];
    }
  }
  const Eigen::BDCSVD<Eigen::MatrixXd> svd(a, Eigen::ComputeFullU | Eigen::ComputeFullV);
  const Eigen::VectorXd& s = svd.singularValues();  // decreasing
  const Eigen::MatrixXd& u = svd.matrixU();
  const Eigen::MatrixXd& v = svd.matrixV();
  const double s_max = s.size() > 0 ? s(0) : 0.0;
  plan.residue_length = m;
  const double truncation = p.truncation < 0.0 ? default_truncation(p.method) : p.truncation;
  d.info.truncation = p.method == DeconvolutionMethod::osvd ? 0.95 : truncation;

  if (p.method == DeconvolutionMethod::osvd) {
    // Singular values below 1e-7 of the largest are noise of the SVD itself: never inverted.
    int32_t rank = 0;
    while (rank < m && s(rank) > 1e-7 * s_max) ++rank;
    plan.oscillation = true;
    plan.rank = rank;
    plan.oscillation_index = float(p.oscillation_index);
    for (int32_t j = 0; j < kOscillationCandidates; ++j) {
      const double threshold = 0.95 - 0.05 * j;
      int32_t k = 0;
      while (k < rank && s(k) >= threshold * s_max) ++k;
      plan.candidate_rank[j] = k;
    }
    d.u_t.resize(std::size_t(rank) * n);
    d.v_scaled.resize(std::size_t(m) * rank);
    for (int32_t k = 0; k < rank; ++k) {
      for (int32_t c = 0; c < n; ++c) d.u_t[std::size_t(k) * n + c] = float(u(c, k));
      for (int32_t i = 0; i < m; ++i) d.v_scaled[std::size_t(i) * rank + k] = float(v(i, k) / s(k));
    }
  } else {
    // The filtered inverse V diag(phi) U^T: its first n rows (where the peak is sought) and
    // first n columns (the circulant methods pad the curve with zeros).
    Eigen::VectorXd phi(m);
    for (int32_t k = 0; k < m; ++k) {
      if (p.method == DeconvolutionMethod::tikhonov) {
        const double lambda = truncation * s_max;
        const double denominator = s(k) * s(k) + lambda * lambda;
        phi(k) = denominator > 0.0 ? s(k) / denominator : 0.0;
      } else {
        phi(k) = s(k) >= truncation * s_max && s(k) > 1e-7 * s_max ? 1.0 / s(k) : 0.0;
      }
    }
    const Eigen::MatrixXd inverse = v.topRows(n) * phi.asDiagonal() * u.topRows(n).transpose();
    d.inverse.resize(std::size_t(n) * n);
    for (int32_t i = 0; i < n; ++i) {
      for (int32_t c = 0; c < n; ++c) d.inverse[std::size_t(i) * n + c] = float(inverse(i, c));
    }
  }

  const double k_h = (1.0 - p.hematocrit_large) / (1.0 - p.hematocrit_small);
  plan.cbf_scale = float(6000.0 * k_h / p.density_g_per_ml);
  plan.cbv_scale = float(100.0 * k_h / (p.density_g_per_ml * aif_area));
  d.frame_time_s = to_float(relative);
  d.frame_weight_s = to_float(weights);
  d.info.aif = aif;
  d.info.baseline_frames = plan.baseline_frames;
  d.info.sample_interval_s = dt;
  d.info.samples = n;
  d.point_plan_here();
  return d;
}

#if MEDKERN_WITH_CUDA
// A series on the context's device, C-contiguous, frame after frame: the series itself when
// it is so, else a packed copy.
class DeviceSeries {
 public:
  DeviceSeries(const Context& context, const SeriesRef& series) : view_(series) {
    const VolumeRef& first = series.first;
    const int64_t frame_numel = first.numel();
    if (first.device.is_cuda() && first.is_contiguous() && series.frame_stride == frame_numel) {
      return;
    }
    packed_.emplace(context, first.bytes() * series.frames);
    view_.first.data = packed_->data();
    view_.first.strides = contiguous_strides(first.shape);
    view_.first.device = context.device();
    view_.frame_stride = frame_numel;
    for (int64_t t = 0; t < series.frames; ++t) copy(context, series.frame(t), view_.frame(t));
  }
  const SeriesRef& view() const { return view_; }

 private:
  SeriesRef view_;
  std::optional<DeviceBuffer<uint8_t>> packed_;
};
#endif

// The plan's arrays on the context's device.
struct DevicePlan {
  PerfusionPlan plan;
  std::vector<DeviceBuffer<uint8_t>> buffers;

  template <class T>
  const T* upload(const Context& context, const std::vector<T>& values) {
    if (values.empty()) return nullptr;
    std::vector<uint8_t> bytes(values.size() * sizeof(T));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    buffers.push_back(make_device_buffer(context, bytes));
    return reinterpret_cast<const T*>(buffers.back().data());
  }

  DevicePlan(const Context& context, const PlanData& d) : plan(d.plan) {
    plan.resample_index = upload(context, d.resample_index);
    plan.resample_weight = upload(context, d.resample_weight);
    plan.frame_time_s = upload(context, d.frame_time_s);
    plan.frame_weight_s = upload(context, d.frame_weight_s);
    plan.inverse = upload(context, d.inverse);
    plan.u_t = upload(context, d.u_t);
    plan.v_scaled = upload(context, d.v_scaled);
  }
};

// The checks perfusion_maps and perfusion_residues share: everything but the outputs.
void check_inputs(const Context& context, const SeriesRef& series,
                  const std::vector<double>& times_s, const std::vector<double>& aif,
                  const std::vector<double>& vof, const VolumeRef* mask,
                  const PerfusionParams& params) {
  check_perfusion_series(context, series, "series", 2);

  check_frame_times(times_s, series.frames);
  for (const auto& [curve, what, optional] :
       {std::tuple{&aif, "aif", false}, std::tuple{&vof, "vof", true}}) {
    if (optional && curve->empty()) continue;
    if (static_cast<int64_t>(curve->size()) != series.frames) {
      throw Error(Status::shape_mismatch,
                  fmt::format("{}: {} values for {} frames", what, curve->size(), series.frames));
    }
    for (std::size_t t = 0; t < curve->size(); ++t) {
      if (!std::isfinite((*curve)[t])) {
        throw Error(Status::invalid_argument,
                    fmt::format("{}: {} at frame {}", what, (*curve)[t], t));
      }
    }
  }
  check_params(params, series.frames);
  require_mask(context, mask, series.first);
}

}  // namespace

PerfusionInfo perfusion_maps(const Context& context, const SeriesRef& series,
                             const std::vector<double>& times_s, const std::vector<double>& aif,
                             const VolumeRef* mask, const PerfusionMapsRef& maps,
                             const PerfusionParams& params, const std::vector<double>& vof) {
  check_inputs(context, series, times_s, aif, vof, mask, params);
  for (const auto& [map, name] : {std::pair{&maps.cbf, "cbf"},
                                  {&maps.cbv, "cbv"},
                                  {&maps.mtt, "mtt"},
                                  {&maps.tmax, "tmax"},
                                  {&maps.ttp, "ttp"},
                                  {&maps.arrival, "arrival"}}) {
    require_like(context, series.first, "series frame", *map, name, {DType::float32});
  }
  require_like(context, series.first, "series frame", maps.valid, "valid", {DType::uint8});

  PlanData data = make_plan(times_s, aif, vof, params);
  if (!context.is_cuda()) {
    cpu::perfusion_maps(context, series, mask, data.plan, maps);
    return data.info;
  }
#if MEDKERN_WITH_CUDA
  const DeviceSeries device_series(context, series);
  std::optional<DeviceInput> device_mask;
  if (mask != nullptr) device_mask.emplace(context, *mask);
  DeviceOutput cbf(context, maps.cbf), cbv(context, maps.cbv), mtt(context, maps.mtt),
      tmax(context, maps.tmax), ttp(context, maps.ttp), arrival(context, maps.arrival),
      valid(context, maps.valid);
  const DevicePlan device_plan(context, data);
  const PerfusionMapsRef device_maps{cbf.view(), cbv.view(),     mtt.view(),  tmax.view(),
                                     ttp.view(), arrival.view(), valid.view()};
  cuda::perfusion_maps(context, device_series.view(), device_mask ? &device_mask->view() : nullptr,
                       device_plan.plan, device_maps);
  for (DeviceOutput* out : {&cbf, &cbv, &mtt, &tmax, &ttp, &arrival, &valid}) out->commit();
#endif
  return data.info;
}

std::vector<float> perfusion_residues(const Context& context, const SeriesRef& series,
                                      const std::vector<double>& times_s,
                                      const std::vector<double>& aif, const VolumeRef* mask,
                                      const PerfusionParams& params,
                                      const std::vector<double>& vof) {
  check_inputs(context, series, times_s, aif, vof, mask, params);
  const PlanData data = make_plan(times_s, aif, vof, params);
  const PerfusionPlan& plan = data.plan;
  const int64_t voxels = series.first.numel(), n = plan.samples;
  if (voxels > kMaxResidueValues / n) {
    throw Error(Status::invalid_argument,
                fmt::format("series: {} voxels x {} samples exceed the {} residue values "
                            "returned at most; ask for a region (a mask does not reduce it)",
                            voxels, n, kMaxResidueValues));
  }
  const HostSeries host = series_on_host(context, series);
  std::vector<uint8_t> inside(std::size_t(voxels), 1);
  if (mask != nullptr) copy(context, *mask, make_view(inside.data(), mask->shape));
  std::vector<float> residues(std::size_t(n * voxels), 0.0f);
  std::vector<float> scratch(std::size_t(perfusion_scratch_floats(plan)));
  for (int64_t v = 0; v < voxels; ++v) {
    if (inside[std::size_t(v)] == 0) continue;
    float* c = scratch.data();
    float* grid = c + plan.frames;
    const CurveSummary curve = curve_of(
        plan, [&](int32_t t) { return host.at(t, v); }, c, grid);
    if (!curve.enhanced) continue;
    // CBF x R(t): the residue in the maps' units, so that its peak is the CBF map's value.
    struct Keep {
      float* out;
      int64_t voxels, v, n;
      float scale;
      void sample(int32_t i, float f) const { out[i * voxels + v] = scale * f; }
      void residue(float* f) const {
        for (int64_t i = 0; i < n; ++i) out[i * voxels + v] = scale * f[i];
      }
    } keep{residues.data(), voxels, v, n, plan.cbf_scale};
    if (plan.oscillation) {
      oscillation_residue_peak(plan, grid, grid + n, grid + n + plan.rank, keep);
    } else {
      fixed_residue_peak(plan, grid, keep);
    }
  }
  return residues;
}

std::vector<double> mean_curve(const Context& context, const SeriesRef& series,
                               const VolumeRef& aif_mask) {
  check_perfusion_series(context, series, "series", 1);
  require_like(context, series.first, "series frame", aif_mask, "aif_mask", {DType::uint8});
  std::vector<double> curve(series.frames);
  for (int64_t t = 0; t < series.frames; ++t) {
    double sum = 0.0;
    uint64_t count = 0;
    for (const LabelStats& s : label_statistics(context, series.frame(t), aif_mask)) {
      sum += s.sum;
      count += s.count;
    }
    if (count == 0) throw Error(Status::invalid_argument, "aif_mask: selects no voxel");
    curve[t] = sum / double(count);
  }
  return curve;
}

TimeIntensityCurves time_intensity_curves(const Context& context, const SeriesRef& series,
                                          const VolumeRef& labels) {
  check_perfusion_series(context, series, "series", 1);
  require_like(context, series.first, "series frame", labels, "labels",
               {DType::int32, DType::uint8});
  // Frame 0 by label statistics: the labels present (checked), their counts and curves' first
  // values.
  const std::vector<LabelStats> first = label_statistics(context, series.frame(0), labels);
  TimeIntensityCurves curves;
  curves.frames = series.frames;
  for (const LabelStats& s : first) {
    curves.labels.push_back(s.label);
    curves.count.push_back(int64_t(s.count));
  }
  const std::size_t rows = first.size();
  curves.mean.assign(rows * series.frames, 0.0);
  curves.std.assign(rows * series.frames, 0.0);
  const auto store = [&](std::size_t row, int64_t t, const LabelStats& s) {
    curves.mean[row * series.frames + t] = s.mean;
    curves.std[row * series.frames + t] = s.std;
  };
  for (std::size_t i = 0; i < rows; ++i) store(i, 0, first[i]);
  if (!context.is_cuda()) {
    for (int64_t t = 1; t < series.frames; ++t) {
      const std::vector<LabelStats> stats = label_statistics(context, series.frame(t), labels);
      // The labels are the same at every frame unless another thread rewrites them.
      if (stats.size() != rows) {
        throw Error(Status::invalid_argument, "labels: changed while the curves were measured");
      }
      for (std::size_t i = 0; i < rows; ++i) store(i, t, stats[i]);
    }
    return curves;
  }
#if MEDKERN_WITH_CUDA
  if (rows == 0 || series.frames == 1) return curves;
  // Every frame's sums in one pass over the series, each label's row found by row_of.
  const int64_t max_label = curves.labels.back();
  std::vector<int32_t> row_of(std::size_t(max_label + 1), -1);
  for (std::size_t i = 0; i < rows; ++i) row_of[std::size_t(curves.labels[i])] = int32_t(i);
  const DeviceBuffer<int32_t> device_row_of = make_device_buffer(context, row_of);
  const DeviceSeries device_series(context, series);
  const DeviceInput device_labels(context, labels);
  const bool floats = series.first.dtype == DType::float32;
  const std::size_t entries = rows * std::size_t(series.frames);
  const auto zeros = [&](auto value, bool used) {
    return make_device_buffer(context,
                              std::vector<decltype(value)>(used ? entries : 0, decltype(value){}));
  };
  auto count = zeros(0ull, floats);
  auto sum_int = zeros(0ll, !floats);
  auto squares_int = zeros(0ull, !floats);
  auto sum_float = zeros(0.0, floats);
  auto squares_float = zeros(0.0, floats);
  cuda::time_intensity_sums(
      context, device_series.view(), device_labels.view(), device_row_of.data(), max_label,
      {count.data(), sum_int.data(), squares_int.data(), sum_float.data(), squares_float.data()});
  const auto host_count = make_host_vector(context, count);
  const auto host_sum_int = make_host_vector(context, sum_int);
  const auto host_squares_int = make_host_vector(context, squares_int);
  const auto host_sum_float = make_host_vector(context, sum_float);
  const auto host_squares_float = make_host_vector(context, squares_float);
  for (std::size_t i = 0; i < rows; ++i) {
    for (int64_t t = 1; t < series.frames; ++t) {
      const std::size_t at = i * series.frames + t;
      LabelAccumulator acc = empty_label_accumulator();
      if (floats) {
        acc.count = host_count[at];
        acc.sum_float = host_sum_float[at];
        acc.sum_squares_float = host_squares_float[at];
      } else {
        acc.count = static_cast<unsigned long long>(curves.count[i]);
        acc.sum_int = host_sum_int[at];
        acc.sum_squares_int = host_squares_int[at];
      }
      store(i, t, label_stats_of(curves.labels[i], acc, series.first.dtype, {1.0, 1.0, 1.0}));
    }
  }
#endif
  return curves;
}

}  // namespace medkern
