#include "medkern/gaussian.hpp"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "checks.hpp"
#include "gaussian_backends.hpp"
#include "staging.hpp"

namespace medkern {

std::vector<float> scipy_gaussian_weights(double sigma_voxels, double truncate) {
  // scipy.ndimage.gaussian_filter skips axes with sigma <= 1e-15.
  if (!(sigma_voxels > 1e-15)) return {1.0f};
  const int radius = static_cast<int>(truncate * sigma_voxels + 0.5);
  const double exponent = -0.5 / (sigma_voxels * sigma_voxels);
  std::vector<double> phi(radius + 1);
  double sum = 0.0;
  for (int k = 0; k <= radius; ++k) {
    phi[k] = std::exp(exponent * double(k) * double(k));
    sum += k == 0 ? phi[k] : 2.0 * phi[k];
  }
  std::vector<float> weights(radius + 1);
  for (int k = 0; k <= radius; ++k) weights[k] = static_cast<float>(phi[k] / sum);
  return weights;
}

namespace {

// e^-y I0(y) and e^-y I1(y) with ITK's polynomial approximations (GaussianOperator), the
// factor e^-y folded in so that large variances do not overflow.
double scaled_bessel_i0(double y) {
  const double d = std::abs(y);
  if (d < 3.75) {
    double m = y / 3.75;
    m *= m;
    return std::exp(-d) *
           (1.0 + m * (3.5156229 +
                       m * (3.0899424 + m * (1.2067492 + m * (0.2659732 + m * (0.360768e-1 +
                                                                               m * 0.45813e-2))))));
  }
  const double m = 3.75 / d;
  return (1.0 / std::sqrt(d)) *
         (0.39894228 +
          m * (0.1328592e-1 +
               m * (0.225319e-2 +
                    m * (-0.157565e-2 +
                         m * (0.916281e-2 +
                              m * (-0.2057706e-1 +
                                   m * (0.2635537e-1 + m * (-0.1647633e-1 + m * 0.392377e-2))))))));
}

double scaled_bessel_i1(double y) {
  const double d = std::abs(y);
  if (d < 3.75) {
    double m = y / 3.75;
    m *= m;
    return std::exp(-d) * d *
           (0.5 +
            m * (0.87890594 +
                 m * (0.51498869 +
                      m * (0.15084934 + m * (0.2658733e-1 + m * (0.301532e-2 + m * 0.32411e-3))))));
  }
  const double m = 3.75 / d;
  double accumulator = 0.2282967e-1 + m * (-0.2895312e-1 + m * (0.1787654e-1 - m * 0.420059e-2));
  accumulator =
      0.39894228 +
      m * (-0.3988024e-1 +
           m * (-0.362018e-2 + m * (0.163801e-2 + m * (-0.1031555e-1 + m * accumulator))));
  return accumulator / std::sqrt(d);
}

// e^-y I_n(y) for n >= 2 by ITK's downward recurrence (Numerical Recipes' bessi).
double scaled_bessel_i(int n, double y) {
  if (y == 0.0) return 0.0;
  constexpr double kAccuracy = 40.0;
  const double toy = 2.0 / std::abs(y);
  double qip = 0.0, accumulator = 0.0, qi = 1.0;
  for (int j = 2 * (n + static_cast<int>(std::sqrt(kAccuracy * n))); j > 0; --j) {
    const double qim = qip + j * toy * qi;
    qip = qi;
    qi = qim;
    if (std::abs(qi) > 1.0e10) {
      accumulator *= 1.0e-10;
      qi *= 1.0e-10;
      qip *= 1.0e-10;
    }
    if (j == n) accumulator = qip;
  }
  return accumulator * scaled_bessel_i0(y) / qi;
}

}  // namespace

std::vector<float> itk_gaussian_weights(double variance_voxels, double maximum_error,
                                        int maximum_width) {
  // GaussianOperator::GenerateCoefficients, one side of the kernel.
  const double cap = 1.0 - maximum_error;
  std::vector<double> coefficients{scaled_bessel_i0(variance_voxels),
                                   scaled_bessel_i1(variance_voxels)};
  double sum = coefficients[0] + 2.0 * coefficients[1];
  for (int i = 2; sum < cap; ++i) {
    coefficients.push_back(scaled_bessel_i(i, variance_voxels));
    sum += 2.0 * coefficients[i];
    if (coefficients[i] <= 0.0) break;  // ITK's failsafe
    if (coefficients.size() > static_cast<std::size_t>(maximum_width)) break;
  }
  std::vector<float> weights(coefficients.size());
  bool sides = false;
  for (std::size_t k = 0; k < coefficients.size(); ++k) {
    weights[k] = static_cast<float>(coefficients[k] / sum);
    sides = sides || (k > 0 && weights[k] != 0.0f);
  }
  if (!sides) return {1.0f};
  return weights;
}

void gaussian(const Context& context, const VolumeRef& input, const VolumeRef& output,
              const GaussianParams& params) {
  check_filter_volumes(context, input, output, DType::float32);
  require_finite(params.truncate, "truncate");
  SeparableKernels kernels;
  for (int axis = 0; axis < 3; ++axis) {
    const double sigma = params.sigma_mm[axis];
    if (!(std::isfinite(sigma) && sigma >= 0.0)) {
      throw Error(Status::invalid_argument,
                  fmt::format("sigma_mm: ({}, {}, {}) must be finite and >= 0", params.sigma_mm[0],
                              params.sigma_mm[1], params.sigma_mm[2]));
    }
    const double sigma_voxels = sigma / input.spacing[axis];
    const double radius = params.truncate * sigma_voxels + 0.5;
    if (radius >= kMaxGaussianRadius + 1) {
      throw Error(Status::invalid_argument,
                  fmt::format("sigma_mm[{}]: {} mm at spacing {} mm with truncate {} gives a "
                              "kernel radius of {:.0f} voxels, more than {}",
                              axis, sigma, input.spacing[axis], params.truncate, std::floor(radius),
                              kMaxGaussianRadius));
    }
    kernels.weights[axis] = scipy_gaussian_weights(sigma_voxels, params.truncate);
  }
  kernels.float32_sums = true;  // within the GPU's stated tolerance (gaussian_backends.hpp)
  run_filter(
      context, input, output,
      [&](const VolumeRef& in, void* out) {
        cpu::separable_smooth(context, in, static_cast<float*>(out), kernels);
      },
      [&]([[maybe_unused]] const VolumeRef& in, [[maybe_unused]] void* out) {
#if MEDKERN_WITH_CUDA
        cuda::separable_smooth(context, in, static_cast<float*>(out), kernels);
#endif
      });
}

}  // namespace medkern
