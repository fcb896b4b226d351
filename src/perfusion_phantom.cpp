// The digital reference object of perfusion (include/medkern/perfusion.hpp).
#include <fmt/format.h>

#include <cmath>
#include <random>

#include "checks.hpp"
#include "medkern/perfusion.hpp"
#include "perfusion_backends.hpp"

namespace medkern {

namespace {

// The gamma variate of the AIF (Thompson et al., Circ Res 1964;14:502), peaking at `peak`
// alpha * beta seconds after `arrival`.
constexpr double kGammaAlpha = 3.0;
constexpr double kGammaBeta = 1.5;
// Step of the numerical convolution (s): fine enough that the frames' sampling, not the
// integration, limits what a method can recover.
constexpr double kConvolutionStep = 0.005;

double gamma_variate(double t, double peak, double arrival) {
  const double x = t - arrival;
  if (x <= 0.0) return 0.0;
  const double shape = x / (kGammaAlpha * kGammaBeta);
  return peak * std::pow(shape, kGammaAlpha) * std::exp(kGammaAlpha * (1.0 - shape));
}

// R(t) of mean transit time `mtt`: each integrates to mtt.
double residue(ResidueShape shape, double t, double mtt) {
  if (t < 0.0) return 0.0;
  switch (shape) {
    case ResidueShape::exponential:
      return std::exp(-t / mtt);
    case ResidueShape::boxcar:
      return t < mtt ? 1.0 : 0.0;
    default:
      return t < 2.0 * mtt ? 1.0 - t / (2.0 * mtt) : 0.0;
  }
}

void check_positive_list(const std::vector<double>& values, const char* what, bool allow_zero) {
  if (values.empty()) {
    throw Error(Status::invalid_argument, fmt::format("{}: needs at least one value", what));
  }
  for (double v : values) {
    if (!std::isfinite(v) || v < 0.0 || (!allow_zero && v == 0.0)) {
      throw Error(Status::invalid_argument, fmt::format("{}: {} is out of range", what, v));
    }
  }
}

}  // namespace

PerfusionPhantom perfusion_phantom(const PerfusionPhantomParams& p) {
  check_positive_list(p.cbf, "cbf", false);
  check_positive_list(p.mtt, "mtt", false);
  check_positive_list(p.delay, "delay", true);
  if (p.block < 1 || p.block > 64) {
    throw Error(Status::invalid_argument, fmt::format("block: {} is not in 1 .. 64", p.block));
  }
  if (p.frames < 2 || p.frames > 512) {
    throw Error(Status::invalid_argument, fmt::format("frames: {} is not in 2 .. 512", p.frames));
  }
  require_finite(p.interval_s, "interval_s", true);
  require_finite(p.snr, "snr");
  require_finite(p.aif_peak, "aif_peak", true);
  require_finite(p.aif_arrival_s, "aif_arrival_s");
  require_finite(p.ct_baseline_hu, "ct_baseline_hu");
  require_finite(p.mr_s0, "mr_s0", true);
  require_finite(p.te_s, "te_s", true);
  require_finite(p.density_g_per_ml, "density_g_per_ml", true);
  check_modality(p.modality, p.te_s);
  if (p.residue != ResidueShape::exponential && p.residue != ResidueShape::boxcar &&
      p.residue != ResidueShape::linear) {
    throw Error(Status::invalid_argument,
                fmt::format("residue: {} is none of exponential (0), boxcar (1), linear (2)",
                            int(p.residue)));
  }
  if (!(p.hematocrit_large >= 0.0 && p.hematocrit_large < 1.0 && p.hematocrit_small >= 0.0 &&
        p.hematocrit_small < 1.0)) {
    throw Error(Status::invalid_argument, "hematocrit_large, hematocrit_small: must be in [0, 1)");
  }
  const int64_t n_cbf = int64_t(p.cbf.size()), n_mtt = int64_t(p.mtt.size()),
                n_delay = int64_t(p.delay.size());
  const int64_t ny = n_cbf * n_delay * p.block, nx = n_mtt * p.block;
  if (ny * nx > (int64_t(1) << 26)) {
    throw Error(Status::invalid_argument,
                fmt::format("phantom of {} x {} voxels per frame is too large", ny, nx));
  }

  PerfusionPhantom out;
  const int64_t nt = p.frames;
  out.shape = {nt, 1, ny, nx};
  out.times_s.resize(nt);
  for (int64_t t = 0; t < nt; ++t) out.times_s[t] = double(t) * p.interval_s;
  // Signal of a concentration: what CT and DSC-MR measure.
  auto signal = [&](double c) {
    switch (p.modality) {
      case PerfusionModality::ct:
        return p.ct_baseline_hu + c;
      case PerfusionModality::mr:
        return p.mr_s0 * std::exp(-p.te_s * c);
      default:
        return c;
    }
  };
  out.aif.resize(nt);
  for (int64_t t = 0; t < nt; ++t) {
    out.aif[t] = signal(gamma_variate(out.times_s[t], p.aif_peak, p.aif_arrival_s));
  }

  const double k_h = (1.0 - p.hematocrit_large) / (1.0 - p.hematocrit_small);
  const double sigma =
      p.snr > 0.0 ? (p.modality == PerfusionModality::mr ? p.mr_s0 : p.aif_peak) / p.snr : 0.0;
  std::mt19937_64 random(p.seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  out.series.assign(std::size_t(nt * ny * nx), 0.0f);
  out.cbf.assign(std::size_t(ny * nx), 0.0f);
  out.cbv = out.mtt = out.delay = out.cbf;
  // The convolution by the midpoint rule on a step that divides the frame interval, so that
  // frame t ends step K = t * per_frame: sum over k < K of AIF(tau_k - delay) R(t - tau_k),
  // tau_k = (k + 1/2) h, with t - tau_k = (K - 1 - k + 1/2) h.
  const int64_t per_frame = int64_t(std::ceil(p.interval_s / kConvolutionStep));
  const double h = p.interval_s / double(per_frame);
  const int64_t steps = (nt - 1) * per_frame;
  std::vector<double> aif_fine(steps), residue_fine(steps), curve(nt);
  for (int64_t ci = 0; ci < n_cbf; ++ci) {
    for (int64_t di = 0; di < n_delay; ++di) {
      for (int64_t k = 0; k < steps; ++k) {
        aif_fine[k] =
            gamma_variate((double(k) + 0.5) * h - p.delay[di], p.aif_peak, p.aif_arrival_s);
      }
      for (int64_t mi = 0; mi < n_mtt; ++mi) {
        for (int64_t j = 0; j < steps; ++j) {
          residue_fine[j] = residue(p.residue, (double(j) + 0.5) * h, p.mtt[mi]);
        }
        // C(t) = (density / kH) F (AIF(. - delay) (x) R)(t), F in ml/g/s.
        const double flow = p.cbf[ci] / 6000.0 * p.density_g_per_ml / k_h;
        for (int64_t t = 0; t < nt; ++t) {
          const int64_t end = t * per_frame;
          double sum = 0.0;
          for (int64_t k = 0; k < end; ++k) sum += aif_fine[k] * residue_fine[end - 1 - k];
          curve[t] = flow * sum * h;
        }
        for (int64_t by = 0; by < p.block; ++by) {
          for (int64_t bx = 0; bx < p.block; ++bx) {
            const int64_t y = (ci * n_delay + di) * p.block + by, x = mi * p.block + bx;
            const std::size_t voxel = std::size_t(y * nx + x);
            out.cbf[voxel] = float(p.cbf[ci]);
            out.mtt[voxel] = float(p.mtt[mi]);
            out.cbv[voxel] = float(p.cbf[ci] * p.mtt[mi] / 60.0);
            out.delay[voxel] = float(p.delay[di]);
            for (int64_t t = 0; t < nt; ++t) {
              out.series[std::size_t(t * ny * nx) + voxel] =
                  float(signal(curve[t]) + sigma * noise(random));
            }
          }
        }
      }
    }
  }
  return out;
}

}  // namespace medkern
