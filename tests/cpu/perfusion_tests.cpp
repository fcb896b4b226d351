// Perfusion on the CPU against the digital reference object's known truth, hand-made cases
// and numpy-style per-label means.
#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <vector>

#include "medkern/perfusion.hpp"
#include "support/catch.hpp"
#include "support/perfusion_maps.hpp"
#include "support/random_volumes.hpp"

using namespace medkern;

namespace {

using Maps = test::HostMaps;

SeriesRef series_of(const PerfusionPhantom& phantom) {
  const Shape3 frame{phantom.shape[1], phantom.shape[2], phantom.shape[3]};
  SeriesRef series;
  series.first = make_view(phantom.series.data(), frame);
  series.frames = phantom.shape[0];
  series.frame_stride = frame[0] * frame[1] * frame[2];
  return series;
}

Maps maps_of(const Context& ctx, const PerfusionPhantom& phantom, const PerfusionParams& params) {
  Maps maps({phantom.shape[1], phantom.shape[2], phantom.shape[3]});
  maps.info = perfusion_maps(ctx, series_of(phantom), phantom.times_s, phantom.aif, nullptr,
                             maps.ref(), params);
  return maps;
}

// Mean relative error of `estimate` against `truth` over the voxels where `select` holds.
template <class Select>
double mean_relative_error(const std::vector<float>& estimate, const std::vector<float>& truth,
                           Select&& select) {
  double sum = 0.0;
  int n = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    if (!select(i)) continue;
    sum += std::abs(double(estimate[i]) - truth[i]) / truth[i];
    ++n;
  }
  return n ? sum / n : 0.0;
}

PerfusionParams params_for(DeconvolutionMethod method, const PerfusionPhantomParams& phantom) {
  PerfusionParams p;
  p.modality = phantom.modality;
  p.te_s = phantom.te_s;
  p.method = method;
  return p;
}

}  // namespace

// Noise-free phantom, 120 frames of 1 s (the exponential residue of MTT 24 s has decayed to
// about 1 % by the last frame). CBV is the ratio of areas, exact up to that tail. The CBF
// bounds are what each method reaches here (docs/ops.md, "Perfusion", gives the table); the
// truncation of small singular values makes every SVD method underestimate the residue's
// peak, most for the exponential residue whose peak is its first sample.
TEST_CASE("perfusion maps recover the phantom's CBV and CBF", "[perfusion]") {
  const auto ctx = Context::cpu();
  struct Bound {
    ResidueShape shape;
    double cbf[4];  // largest mean relative CBF error: ssvd, csvd, osvd, tikhonov
  };
  for (const Bound& bound : {Bound{ResidueShape::exponential, {0.32, 0.26, 0.15, 0.30}},
                             Bound{ResidueShape::boxcar, {0.05, 0.05, 0.18, 0.05}},
                             Bound{ResidueShape::linear, {0.23, 0.16, 0.08, 0.20}}}) {
    PerfusionPhantomParams phantom_params;
    phantom_params.frames = 120;
    phantom_params.block = 1;
    phantom_params.residue = bound.shape;
    const PerfusionPhantom phantom = perfusion_phantom(phantom_params);
    for (int method = 0; method < 4; ++method) {
      const Maps maps =
          maps_of(ctx, phantom, params_for(DeconvolutionMethod(method), phantom_params));
      double cbv_max = 0.0, cbf_mean = 0.0;
      for (std::size_t i = 0; i < phantom.cbf.size(); ++i) {
        cbv_max =
            std::max(cbv_max, std::abs(double(maps.cbv[i]) - phantom.cbv[i]) / phantom.cbv[i]);
        cbf_mean += (double(maps.cbf[i]) - phantom.cbf[i]) / phantom.cbf[i];
        CHECK(std::abs(maps.mtt[i] - 60.0f * maps.cbv[i] / maps.cbf[i]) <= 1e-4f * maps.mtt[i]);
      }
      cbf_mean /= double(phantom.cbf.size());
      INFO("residue " << int(bound.shape) << " method " << method << ": max CBV error " << cbv_max
                      << ", mean CBF error " << cbf_mean);
      CHECK(std::count(maps.valid.begin(), maps.valid.end(), 1) == int64_t(maps.valid.size()));
      CHECK(cbv_max < 0.02);
      CHECK(std::abs(cbf_mean) < bound.cbf[method]);
    }
  }
}

// The circulant methods see a delayed tissue curve as a shifted residue: CBF does not change
// with the delay. The lower-triangular matrix of sSVD truncates a delayed residue otherwise.
TEST_CASE("circulant deconvolution is insensitive to delay, sSVD is not", "[perfusion]") {
  PerfusionPhantomParams phantom_params;
  phantom_params.frames = 120;
  phantom_params.block = 1;
  const PerfusionPhantom phantom = perfusion_phantom(phantom_params);
  const auto ctx = Context::cpu();
  const int64_t nx = phantom.shape[3], delays = int64_t(phantom_params.delay.size());
  for (int method = 0; method < 4; ++method) {
    const Maps maps =
        maps_of(ctx, phantom, params_for(DeconvolutionMethod(method), phantom_params));
    double largest_change = 0.0;
    // Rows come in runs of `delays` rows (delay 0, 1, ..., 4 s) per CBF.
    for (int64_t row = 0; row < phantom.shape[2]; ++row) {
      const int64_t undelayed = row - row % delays;
      for (int64_t x = 0; x < nx; ++x) {
        const float reference = maps.cbf[undelayed * nx + x];
        largest_change = std::max(largest_change,
                                  double(std::abs(maps.cbf[row * nx + x] - reference) / reference));
      }
    }
    INFO("method " << method << ": largest CBF change with delay " << largest_change);
    if (DeconvolutionMethod(method) == DeconvolutionMethod::ssvd) {
      CHECK(largest_change > 0.05);
    } else {
      CHECK(largest_change <= 0.02);
    }
  }
}

TEST_CASE("the four deconvolution methods give different maps", "[perfusion]") {
  PerfusionPhantomParams phantom_params;
  phantom_params.frames = 60;
  phantom_params.block = 1;
  phantom_params.snr = 50.0;
  const PerfusionPhantom phantom = perfusion_phantom(phantom_params);
  const auto ctx = Context::cpu();
  std::vector<std::vector<float>> cbf;
  for (int method = 0; method < 4; ++method) {
    cbf.push_back(
        maps_of(ctx, phantom, params_for(DeconvolutionMethod(method), phantom_params)).cbf);
  }
  for (int a = 0; a < 4; ++a) {
    for (int b = a + 1; b < 4; ++b) {
      double difference = 0.0;
      for (std::size_t i = 0; i < cbf[a].size(); ++i) {
        difference += std::abs(cbf[a][i] - cbf[b][i]) / std::max(cbf[a][i], 1e-3f);
      }
      INFO("methods " << a << " and " << b);
      CHECK(difference / double(cbf[a].size()) > 0.01);
    }
  }
}

// An AIF that is one unit of concentration in the first frame makes the convolution matrix
// dt times the identity: no singular value is truncated and the residue is the tissue curve
// over dt, so every map is known by hand.
TEST_CASE("perfusion maps of an impulse AIF, by hand", "[perfusion]") {
  const int64_t nt = 6;
  const std::vector<double> times{0.0, 2.0, 4.0, 6.0, 8.0, 10.0};  // dt = 2 s
  const std::vector<double> aif{1.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  // Two voxels: a curve peaking at frame 2, and one with no enhancement.
  std::vector<float> series(nt * 2, 0.0f);
  const float curve[nt] = {0.0f, 0.5f, 2.0f, 1.0f, 0.5f, 0.0f};
  for (int64_t t = 0; t < nt; ++t) series[t * 2] = curve[t];
  SeriesRef s{make_view(series.data(), {1, 1, 2}), nt, 2};
  Maps maps({1, 1, 2});
  PerfusionParams params;
  params.modality = PerfusionModality::concentration;
  params.method = DeconvolutionMethod::ssvd;
  params.hematocrit_large = params.hematocrit_small = 0.0;
  params.density_g_per_ml = 1.0;
  const PerfusionInfo info =
      perfusion_maps(Context::cpu(2), s, times, aif, nullptr, maps.ref(), params);
  CHECK(info.samples == 6);
  CHECK(info.sample_interval_s == 2.0);
  // Residue = curve / dt: peak 1.0 at sample 2, neighbours 0.25 and 0.5.
  CHECK(maps.cbf[0] == Approx(6000.0 * 1.0).epsilon(1e-5));
  // Areas by the trapezoid: tissue 2 * (0.5 + 2 + 1 + 0.5) = 8, AIF 2 * 0.5 = 1.
  CHECK(maps.cbv[0] == Approx(100.0 * 8.0).epsilon(1e-5));
  CHECK(maps.mtt[0] == Approx(60.0 * 800.0 / 6000.0).epsilon(1e-5));
  // Parabola through (1, 0.25), (2, 1), (3, 0.5): vertex at 2 + 0.5 (0.25 - 0.5) / (0.25 -
  // 2 + 0.5) = 2.1, i.e. 4.2 s.
  CHECK(maps.tmax[0] == Approx(4.2).epsilon(1e-5));
  CHECK(maps.ttp[0] == 4.0f);
  // 10 % of the peak 2.0 is 0.2, reached between 0 s (0) and 2 s (0.5): at 0.8 s.
  CHECK(maps.arrival[0] == Approx(0.8).epsilon(1e-5));
  CHECK(maps.valid[0] == 1);
  CHECK(maps.cbf[1] == 0.0f);
  CHECK(maps.cbv[1] == 0.0f);
  CHECK(maps.valid[1] == 0);
}

TEST_CASE("perfusion maps keep to the mask and never hold NaN", "[perfusion]") {
  PerfusionPhantomParams phantom_params;
  phantom_params.modality = PerfusionModality::mr;
  phantom_params.frames = 40;
  phantom_params.block = 2;
  phantom_params.cbf = {20, 60};
  phantom_params.mtt = {4, 8};
  phantom_params.delay = {0};
  PerfusionPhantom phantom = perfusion_phantom(phantom_params);
  const Shape3 frame{1, phantom.shape[2], phantom.shape[3]};
  const int64_t voxels = frame[1] * frame[2];
  // Voxel 0: signal 0 after the baseline (the log of 0 must not appear); voxel 1: signal
  // negative throughout (no baseline).
  for (int64_t t = 0; t < phantom.shape[0]; ++t) {
    if (t >= 10) phantom.series[t * voxels] = 0.0f;
    phantom.series[t * voxels + 1] = -5.0f;
  }
  std::vector<uint8_t> mask(voxels, 1);
  mask[2] = 0;
  Maps maps(frame);
  PerfusionParams params = params_for(DeconvolutionMethod::osvd, phantom_params);
  const VolumeRef mask_view = make_view(mask.data(), frame);
  perfusion_maps(Context::cpu(), series_of(phantom), phantom.times_s, phantom.aif, &mask_view,
                 maps.ref(), params);
  for (int64_t i = 0; i < voxels; ++i) {
    for (const auto* map :
         {&maps.cbf, &maps.cbv, &maps.mtt, &maps.tmax, &maps.ttp, &maps.arrival}) {
      CHECK(std::isfinite((*map)[i]));
    }
  }
  CHECK(maps.valid[1] == 0);
  CHECK(maps.cbf[1] == 0.0f);
  CHECK(maps.valid[2] == 0);
  CHECK(maps.cbf[2] == 0.0f);
  CHECK(maps.valid[3] == 1);
}

TEST_CASE("perfusion maps refuse bad arguments with clear errors", "[perfusion]") {
  PerfusionPhantomParams phantom_params;
  phantom_params.frames = 20;
  phantom_params.cbf = {30};
  phantom_params.mtt = {4};
  phantom_params.delay = {0};
  const PerfusionPhantom phantom = perfusion_phantom(phantom_params);
  const auto ctx = Context::cpu();
  const auto call = [&](SeriesRef series, std::vector<double> times, std::vector<double> aif,
                        PerfusionParams params) {
    Maps maps({1, phantom.shape[2], phantom.shape[3]});
    perfusion_maps(ctx, series, times, aif, nullptr, maps.ref(), params);
  };
  const auto status_of = [&](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.status();
    }
    return Status::ok;
  };
  const SeriesRef good = series_of(phantom);
  PerfusionParams params;
  CHECK(status_of([&] { call(good, phantom.times_s, phantom.aif, params); }) == Status::ok);
  std::vector<double> shuffled = phantom.times_s;
  std::swap(shuffled[3], shuffled[4]);
  CHECK(status_of([&] { call(good, shuffled, phantom.aif, params); }) == Status::invalid_argument);
  CHECK(status_of([&] { call(good, {0.0, 1.0}, phantom.aif, params); }) == Status::shape_mismatch);
  std::vector<double> flat(phantom.aif.size(), 40.0);
  CHECK(status_of([&] { call(good, phantom.times_s, flat, params); }) == Status::invalid_argument);
  std::vector<double> nan_aif = phantom.aif;
  nan_aif[5] = std::nan("");
  CHECK(status_of([&] { call(good, phantom.times_s, nan_aif, params); }) ==
        Status::invalid_argument);
  PerfusionParams mr = params;
  mr.modality = PerfusionModality::mr;  // no echo time
  CHECK(status_of([&] { call(good, phantom.times_s, phantom.aif, mr); }) ==
        Status::invalid_argument);
  PerfusionParams bad = params;
  bad.truncation = 1.5;
  CHECK(status_of([&] { call(good, phantom.times_s, phantom.aif, bad); }) ==
        Status::invalid_argument);
  bad = params;
  bad.method = DeconvolutionMethod(9);
  CHECK(status_of([&] { call(good, phantom.times_s, phantom.aif, bad); }) ==
        Status::invalid_argument);
  bad = params;
  bad.baseline_frames = 21;
  CHECK(status_of([&] { call(good, phantom.times_s, phantom.aif, bad); }) ==
        Status::invalid_argument);
  SeriesRef one_frame = good;
  one_frame.frames = 1;
  CHECK(status_of([&] { call(one_frame, {0.0}, {1.0}, params); }) == Status::invalid_argument);
  PerfusionPhantomParams bad_phantom;
  bad_phantom.residue = ResidueShape(7);
  CHECK(status_of([&] { perfusion_phantom(bad_phantom); }) == Status::invalid_argument);
  bad_phantom = PerfusionPhantomParams{};
  bad_phantom.mtt = {0.0};
  CHECK(status_of([&] { perfusion_phantom(bad_phantom); }) == Status::invalid_argument);
  SeriesRef overflowing = good;
  overflowing.frame_stride = INT64_MIN;
  CHECK(status_of([&] { call(overflowing, phantom.times_s, phantom.aif, params); }) ==
        Status::overflow);
}

// A series sampled every second and the same series with every other frame dropped after
// the bolus (frames 2 s apart there) give nearly the same maps: the sparse part is
// resampled linearly onto the 1 s grid.
TEST_CASE("perfusion maps of non-uniform frames", "[perfusion]") {
  PerfusionPhantomParams phantom_params;
  phantom_params.frames = 120;
  phantom_params.block = 1;
  phantom_params.cbf = {20, 50};
  phantom_params.mtt = {4, 8, 12};
  phantom_params.delay = {0};
  const PerfusionPhantom phantom = perfusion_phantom(phantom_params);
  const int64_t voxels = phantom.shape[2] * phantom.shape[3];
  std::vector<int64_t> kept;
  for (int64_t t = 0; t < phantom.shape[0]; ++t) {
    if (t < 40 || t % 2 == 0) kept.push_back(t);
  }
  std::vector<float> sparse;
  std::vector<double> times, aif;
  for (int64_t t : kept) {
    sparse.insert(sparse.end(), phantom.series.begin() + t * voxels,
                  phantom.series.begin() + (t + 1) * voxels);
    times.push_back(phantom.times_s[t]);
    aif.push_back(phantom.aif[t]);
  }
  const Shape3 frame{1, phantom.shape[2], phantom.shape[3]};
  SeriesRef series{make_view(sparse.data(), frame), int64_t(kept.size()), voxels};
  const auto params = params_for(DeconvolutionMethod::csvd, phantom_params);
  Maps sparse_maps(frame);
  const PerfusionInfo info =
      perfusion_maps(Context::cpu(), series, times, aif, nullptr, sparse_maps.ref(), params);
  CHECK(info.sample_interval_s == 1.0);
  CHECK(info.samples == 119);  // the last frame kept is frame 118
  const Maps dense_maps = maps_of(Context::cpu(), phantom, params);
  for (int64_t i = 0; i < voxels; ++i) {
    CHECK(sparse_maps.cbf[i] == Approx(dense_maps.cbf[i]).epsilon(0.02));
    CHECK(sparse_maps.cbv[i] == Approx(dense_maps.cbv[i]).epsilon(0.02));
  }
}

TEST_CASE("time-intensity curves are per-label means and deviations", "[perfusion]") {
  // Two frames of a 1 x 2 x 3 volume; labels 1 (three voxels), 3 (two voxels), background.
  std::vector<int16_t> series{1, 2, 3, 10, 20, 0, 4, 6, 8, 30, 50, 0};
  std::vector<int32_t> labels{1, 1, 1, 3, 3, 0};
  SeriesRef s{make_view(series.data(), {1, 2, 3}), 2, 6};
  const TimeIntensityCurves curves =
      time_intensity_curves(Context::cpu(), s, make_view(labels.data(), {1, 2, 3}));
  CHECK(curves.frames == 2);
  CHECK(curves.labels == std::vector<int32_t>{1, 3});
  CHECK(curves.count == std::vector<int64_t>{3, 2});
  CHECK(curves.mean == std::vector<double>{2.0, 6.0, 15.0, 40.0});
  // Population deviations: {1, 2, 3} -> sqrt(2/3); {4, 6, 8} -> sqrt(8/3); {10, 20} -> 5.
  CHECK(curves.std[0] == Approx(std::sqrt(2.0 / 3.0)));
  CHECK(curves.std[1] == Approx(std::sqrt(8.0 / 3.0)));
  CHECK(curves.std[2] == Approx(5.0));
  CHECK(curves.std[3] == Approx(10.0));
  std::vector<uint8_t> region{1, 1, 1, 1, 1, 0};
  const std::vector<double> aif =
      mean_curve(Context::cpu(), s, make_view(region.data(), {1, 2, 3}));
  CHECK(aif == std::vector<double>{(1 + 2 + 3 + 10 + 20) / 5.0, (4 + 6 + 8 + 30 + 50) / 5.0});
}

// The stroke summary counted by hand: 20 voxels of 2 mm^3 (0.002 ml); the reference is the
// mean CBF of the valid voxels of the reference mask.
TEST_CASE("stroke summary, by hand", "[perfusion]") {
  const Shape3 shape{1, 4, 5};
  test::HostMaps maps(shape);
  for (int64_t i = 0; i < 20; ++i) {
    maps.cbf[i] = 50.0f;
    maps.tmax[i] = 2.0f;
    maps.valid[i] = 1;
  }
  maps.valid[19] = 0;  // not counted, whatever its values
  maps.cbf[19] = 0.0f;
  maps.tmax[19] = 20.0f;
  // Hypoperfused (Tmax > 6 s): voxels 0..5; core (CBF < 0.3 x 50 = 15): voxels 0, 1.
  for (int64_t i = 0; i < 6; ++i) maps.tmax[i] = 6.5f;
  maps.tmax[6] = 6.0f;  // not above
  maps.cbf[0] = 5.0f;
  maps.cbf[1] = 14.9f;
  maps.cbf[2] = 15.0f;  // not below
  PerfusionMapsRef ref = maps.ref();
  ref.cbf.spacing = {2.0, 1.0, 1.0};
  // Reference: voxels 10..19 of which 19 is invalid: nine voxels of CBF 50.
  std::vector<uint8_t> reference(20, 0);
  for (int64_t i = 10; i < 20; ++i) reference[i] = 1;
  const VolumeRef reference_view = make_view(reference.data(), shape);
  const StrokeSummary s = stroke_summary(Context::cpu(), ref, &reference_view, {});
  CHECK(s.reference_cbf == 50.0);
  CHECK(s.valid_voxels == 19);
  CHECK(s.hypoperfusion_ml == Approx(6 * 0.002));
  CHECK(s.core_ml == Approx(2 * 0.002));
  CHECK(s.mismatch_ml == Approx(4 * 0.002));
  CHECK(s.mismatch_ratio == 3.0);
  // A given reference of 100: core below 30, voxels 0, 1 and 2.
  StrokeParams given;
  given.reference_cbf = 100.0;
  const StrokeSummary t = stroke_summary(Context::cpu(), ref, nullptr, given);
  CHECK(t.core_ml == Approx(3 * 0.002));
  CHECK(t.mismatch_ratio == 2.0);
  // No core: an infinite ratio; no reference at all: an error.
  given.reference_cbf = 1.0;
  CHECK(std::isinf(stroke_summary(Context::cpu(), ref, nullptr, given).mismatch_ratio));
  CHECK_THROWS_AS(stroke_summary(Context::cpu(), ref, nullptr, {}), Error);
  StrokeParams bad;
  bad.relative_cbf_threshold = 1.5;
  CHECK_THROWS_AS(stroke_summary(Context::cpu(), ref, &reference_view, bad), Error);
}

// The phantom's tissue with two extra rows of arterial voxels (the AIF with noise): the
// selection keeps arterial voxels only, and their mean follows the AIF.
TEST_CASE("select_aif finds the arterial voxels", "[perfusion]") {
  PerfusionPhantomParams phantom_params;
  phantom_params.frames = 60;
  phantom_params.block = 2;
  phantom_params.snr = 40.0;
  const PerfusionPhantom phantom = perfusion_phantom(phantom_params);
  const int64_t nt = phantom.shape[0], ny = phantom.shape[2], nx = phantom.shape[3];
  const int64_t rows = ny + 2, voxels = rows * nx;
  std::vector<float> series(std::size_t(nt * voxels));
  std::mt19937 random(7);
  std::normal_distribution<float> noise(0.0f, 1.5f);
  for (int64_t t = 0; t < nt; ++t) {
    std::copy_n(phantom.series.begin() + t * ny * nx, ny * nx, series.begin() + t * voxels);
    for (int64_t i = ny * nx; i < voxels; ++i) {
      series[std::size_t(t * voxels + i)] = float(phantom.aif[std::size_t(t)]) + noise(random);
    }
  }
  const Shape3 frame{1, rows, nx};
  const SeriesRef ref{make_view(series.data(), frame), nt, voxels};
  std::vector<uint8_t> selected(std::size_t(voxels), 9);
  const AifSelection aif = select_aif(Context::cpu(), ref, phantom.times_s, nullptr,
                                      make_view(selected.data(), frame), {});
  CHECK(aif.voxels > 0);
  int64_t arterial = 0, chosen = 0;
  for (int64_t i = 0; i < voxels; ++i) {
    CHECK(selected[std::size_t(i)] <= 1);
    chosen += selected[std::size_t(i)];
    if (i >= ny * nx) arterial += selected[std::size_t(i)];
  }
  CHECK(chosen == aif.voxels);
  CHECK(arterial == chosen);
  double largest = 0.0, error = 0.0;
  for (int64_t t = 0; t < nt; ++t) {
    const double truth = phantom.aif[std::size_t(t)] - phantom_params.ct_baseline_hu;
    largest = std::max(largest, truth);
    error = std::max(error, std::abs(aif.curve[std::size_t(t)] - phantom.aif[std::size_t(t)]));
  }
  INFO("voxels " << aif.voxels << ", largest error " << error << " HU");
  CHECK(error < 0.05 * largest);
  CHECK(aif.voxels >= 3);
  AifSelectionParams bad;
  bad.clusters = 0;
  CHECK_THROWS_AS(select_aif(Context::cpu(), ref, phantom.times_s, nullptr,
                             make_view(selected.data(), frame), bad),
                  Error);
}

// A washout curve at 1 s frames, every parameter by hand: baseline 10 (the three frames
// before the rise to 10 % of 40), enhancement 0 0 0 20 40 36 34 32 30.
TEST_CASE("curve parameters, by hand", "[perfusion]") {
  const std::vector<double> curve{10, 10, 10, 30, 50, 46, 44, 42, 40};
  const std::vector<double> times{100, 101, 102, 103, 104, 105, 106, 107, 108};
  const CurveParameters p = curve_parameters(curve, times, {});
  CHECK(p.baseline == 10.0);
  CHECK(p.peak_enhancement == 40.0);
  CHECK(p.relative_enhancement == 4.0);
  CHECK(p.time_to_peak_s == 4.0);
  CHECK(p.arrival_s == Approx(2.2));  // 4 of 20 between 2 s and 3 s
  CHECK(p.area == Approx(177.0));
  CHECK(p.first_moment_s == Approx(948.0 / 177.0));
  CHECK(p.wash_in_slope == 20.0);
  CHECK(p.wash_out_slope == -2.5);
  CHECK(p.fwhm_s == Approx(5.0));  // from 3 s to the last frame, still above half
  CHECK(p.signal_enhancement_ratio == Approx(40.0 / 30.0));
  CHECK(p.kinetic_type == 3);  // (30 - 40) / 40 = -25 %
  // Persistent and plateau curves (early phase: 2 s after arrival); a flat one has no
  // enhancement.
  CurveParameterOptions short_early;
  short_early.early_window_s = 2.0;
  CHECK(curve_parameters({10, 10, 20, 30, 40, 50}, {0, 1, 2, 3, 4, 5}, short_early).kinetic_type ==
        1);  // early peak 20 (until 3.4 s), last 40: +100 %
  CHECK(curve_parameters({10, 10, 30, 31, 30, 29}, {0, 1, 2, 3, 4, 5}, short_early).kinetic_type ==
        2);
  const CurveParameters flat = curve_parameters({5, 5, 5}, {0, 1, 2}, {});
  CHECK(flat.peak_enhancement == 0.0);
  CHECK(flat.kinetic_type == 0);
  CHECK_THROWS_AS(curve_parameters({1.0}, {0.0}, {}), Error);
  CHECK_THROWS_AS(curve_parameters({1, 2}, {1, 0}, {}), Error);
}

// Kinetic maps are curve_parameters voxel by voxel; the mask's zeros and a NaN voxel stay 0.
TEST_CASE("kinetic maps equal the curve parameters of each voxel", "[perfusion]") {
  const uint64_t seed = test::fresh_seed();
  std::mt19937_64 random(seed);
  std::normal_distribution<float> noise(0.0f, 2.0f);
  const int64_t nt = 15, voxels = 3 * 4 * 5;
  const Shape3 frame{3, 4, 5};
  std::vector<double> times(nt);
  std::vector<float> series(std::size_t(nt * voxels));
  for (int64_t t = 0; t < nt; ++t) {
    times[std::size_t(t)] = 1.5 * double(t);
    for (int64_t v = 0; v < voxels; ++v) {
      const double bolus =
          t >= 3 ? double(v % 7) * 10.0 * std::exp(-double(t - 3) / (1 + v % 5)) : 0;
      series[std::size_t(t * voxels + v)] = float(100.0 + bolus) + noise(random);
    }
  }
  series[std::size_t(4 * voxels + 7)] = std::nanf("");
  std::vector<uint8_t> mask(std::size_t(voxels), 1);
  mask[3] = 0;
  std::vector<std::vector<float>> floats(11, std::vector<float>(std::size_t(voxels), -1.0f));
  std::vector<uint8_t> types(std::size_t(voxels), 9);
  const auto view = [&](int k) {
    return VolumeRef(make_view(floats[std::size_t(k)].data(), frame));
  };
  const KineticMapsRef maps{view(0), view(1), view(2),  view(3),
                            view(4), view(5), view(6),  view(7),
                            view(8), view(9), view(10), make_view(types.data(), frame)};
  const VolumeRef mask_view = make_view(mask.data(), frame);
  kinetic_maps(Context::cpu(2), SeriesRef{make_view(series.data(), frame), nt, voxels}, times,
               &mask_view, maps, {});
  INFO("seed " << seed);
  for (int64_t v = 0; v < voxels; ++v) {
    if (v == 3 || v == 7) {
      CHECK(floats[1][std::size_t(v)] == 0.0f);
      CHECK(types[std::size_t(v)] == 0);
      continue;
    }
    std::vector<double> curve(nt);
    for (int64_t t = 0; t < nt; ++t) curve[std::size_t(t)] = series[std::size_t(t * voxels + v)];
    const CurveParameters p = curve_parameters(curve, times, {});
    CHECK(floats[0][std::size_t(v)] == float(p.baseline));
    CHECK(floats[1][std::size_t(v)] == float(p.peak_enhancement));
    CHECK(floats[5][std::size_t(v)] == float(p.area));
    CHECK(floats[9][std::size_t(v)] == float(p.fwhm_s));
    CHECK(floats[10][std::size_t(v)] == float(p.signal_enhancement_ratio));
    CHECK(types[std::size_t(v)] == p.kinetic_type);
  }
}

// An AIF seen at half its concentration (partial volume) with the true curve as the venous
// output: scaled to the VOF's area, it gives the maps of the true AIF.
TEST_CASE("a venous output function corrects a partial-volume AIF", "[perfusion]") {
  PerfusionPhantomParams phantom_params;
  phantom_params.frames = 60;
  phantom_params.block = 1;
  const PerfusionPhantom phantom = perfusion_phantom(phantom_params);
  std::vector<double> partial(phantom.aif.size());
  for (std::size_t t = 0; t < partial.size(); ++t) {
    partial[t] =
        phantom_params.ct_baseline_hu + 0.5 * (phantom.aif[t] - phantom_params.ct_baseline_hu);
  }
  const Shape3 frame{1, phantom.shape[2], phantom.shape[3]};
  const auto params = params_for(DeconvolutionMethod::csvd, phantom_params);
  const Maps truth = maps_of(Context::cpu(), phantom, params);
  Maps corrected(frame), uncorrected(frame);
  perfusion_maps(Context::cpu(), series_of(phantom), phantom.times_s, partial, nullptr,
                 corrected.ref(), params, phantom.aif);
  perfusion_maps(Context::cpu(), series_of(phantom), phantom.times_s, partial, nullptr,
                 uncorrected.ref(), params);
  for (std::size_t i = 0; i < truth.cbf.size(); ++i) {
    CHECK(corrected.cbf[i] == Approx(truth.cbf[i]).epsilon(1e-5));
    CHECK(corrected.cbv[i] == Approx(truth.cbv[i]).epsilon(1e-5));
    CHECK(uncorrected.cbv[i] == Approx(2.0 * truth.cbv[i]).epsilon(1e-5));
  }
  std::vector<double> short_vof(3, 1.0);
  CHECK_THROWS_AS(perfusion_maps(Context::cpu(), series_of(phantom), phantom.times_s, partial,
                                 nullptr, corrected.ref(), params, short_vof),
                  Error);
}

// The residues' peaks are the CBF map, for a fixed method and for osvd's chosen residue;
// the impulse AIF's residue is the tissue curve over dt, by hand.
TEST_CASE("perfusion residues peak at the CBF map", "[perfusion]") {
  PerfusionPhantomParams phantom_params;
  phantom_params.frames = 40;
  phantom_params.block = 1;
  phantom_params.snr = 60.0;
  const PerfusionPhantom phantom = perfusion_phantom(phantom_params);
  for (auto method : {DeconvolutionMethod::csvd, DeconvolutionMethod::osvd}) {
    const auto params = params_for(method, phantom_params);
    const Maps maps = maps_of(Context::cpu(), phantom, params);
    const std::vector<float> residues = perfusion_residues(
        Context::cpu(), series_of(phantom), phantom.times_s, phantom.aif, nullptr, params);
    const auto voxels = maps.cbf.size();
    const auto samples = std::size_t(maps.info.samples);
    REQUIRE(residues.size() == samples * voxels);
    for (std::size_t v = 0; v < voxels; ++v) {
      float peak = 0.0f;
      for (std::size_t i = 0; i < samples; ++i) peak = std::max(peak, residues[i * voxels + v]);
      INFO("method " << int(method) << " voxel " << v);
      if (maps.valid[v] == 1) {
        CHECK(peak == maps.cbf[v]);  // scalar residues, vectorised maps: the same to the bit
      } else {
        CHECK(maps.cbf[v] == 0.0f);
      }
    }
  }
  std::vector<float> series(12, 0.0f);
  const float curve[6] = {0.0f, 0.5f, 2.0f, 1.0f, 0.5f, 0.0f};
  for (int t = 0; t < 6; ++t) series[std::size_t(t) * 2] = curve[t];
  PerfusionParams params;
  params.modality = PerfusionModality::concentration;
  params.method = DeconvolutionMethod::ssvd;
  params.hematocrit_large = params.hematocrit_small = 0.0;
  params.density_g_per_ml = 1.0;
  const std::vector<float> impulse =
      perfusion_residues(Context::cpu(), SeriesRef{make_view(series.data(), {1, 1, 2}), 6, 2},
                         {0, 2, 4, 6, 8, 10}, {1, 0, 0, 0, 0, 0}, nullptr, params);
  for (int t = 0; t < 6; ++t) {
    CHECK(impulse[std::size_t(t) * 2] == Approx(6000.0 * curve[t] / 2.0).margin(1e-3));
    CHECK(impulse[std::size_t(t) * 2 + 1] == 0.0f);  // no enhancement
  }
}
