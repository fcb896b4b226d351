// The arithmetic of the edge filters that the CPU (src/cpu/edges.cpp) and the GPU
// (kernels/edges.cuh) share, so that both give the same float32 values bit for bit (and so
// the same Canny edges), and the backends' entry points.
#pragma once

#include <cstdint>

#include "host_device.hpp"
#include "medkern/context.hpp"
#include "medkern/edges.hpp"

#if defined(__CUDA_ARCH__)
#include <cuda_runtime.h>
#else
#include <cmath>
#endif

namespace medkern {

MEDKERN_HOST_DEVICE inline float subtract_rounded(float a, float b) {
  return add_rounded(a, -b);
}
MEDKERN_HOST_DEVICE inline float divide_rounded(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fdiv_rn(a, b);
#else
  return a / b;
#endif
}
MEDKERN_HOST_DEVICE inline float sqrt_rounded(float a) {
#if defined(__CUDA_ARCH__)
  return __fsqrt_rn(a);
#else
  return std::sqrt(a);
#endif
}

// (a + 2 b) + c: the Sobel smoothing [1, 2, 1], in scipy's order of the taps.
MEDKERN_HOST_DEVICE inline float sobel_smooth(float a, float b, float c) {
  return add_rounded(add_rounded(a, multiply_rounded(2.0f, b)), c);
}

// What a gradient pass writes: one Sobel derivative, or a magnitude.
enum class GradientOutput : int32_t {
  sobel_z,
  sobel_y,
  sobel_x,
  sobel_magnitude,
  central_magnitude
};

struct GradientSpec {
  GradientOutput output = GradientOutput::sobel_magnitude;
  int ndim = 3;
  // Per axis (z, y, x): sobel_magnitude multiplies the derivative by scale (1 / spacing, or
  // 1: a product, not a quotient, costs the GPU 1 instruction instead of about 10 and is
  // within an ulp of the quotient); central_magnitude multiplies the difference by factor
  // (0.5 / spacing, or 0.5).
  float scale[3] = {1.0f, 1.0f, 1.0f};
  float factor[3] = {0.5f, 0.5f, 0.5f};
};

// What one z-slice contributes at (y, x), from its 3 x 3 neighbourhood n[dy + 1][dx + 1]
// (edge voxels repeated). Sobel: px = the x difference smoothed along y, py = the y
// difference smoothed along x, pz = the slice smoothed along x and y (for the z difference).
// Central: the raw differences and the centre.
struct SlicePartials {
  float px, py, pz;
};

MEDKERN_HOST_DEVICE inline SlicePartials slice_partials(const float (&n)[3][3],
                                                        const GradientSpec& spec) {
  const bool planar = spec.ndim >= 2;
  if (spec.output == GradientOutput::central_magnitude) {
    return {subtract_rounded(n[1][2], n[1][0]), planar ? subtract_rounded(n[2][1], n[0][1]) : 0.0f,
            n[1][1]};
  }
  const float dx[3] = {subtract_rounded(n[0][2], n[0][0]), subtract_rounded(n[1][2], n[1][0]),
                       subtract_rounded(n[2][2], n[2][0])};
  if (!planar) return {dx[1], 0.0f, 0.0f};
  SlicePartials p;
  p.px = sobel_smooth(dx[0], dx[1], dx[2]);
  p.py = sobel_smooth(subtract_rounded(n[2][0], n[0][0]), subtract_rounded(n[2][1], n[0][1]),
                      subtract_rounded(n[2][2], n[0][2]));
  p.pz = 0.0f;
  if (spec.ndim == 3) {
    p.pz = sobel_smooth(sobel_smooth(n[0][0], n[0][1], n[0][2]),
                        sobel_smooth(n[1][0], n[1][1], n[1][2]),
                        sobel_smooth(n[2][0], n[2][1], n[2][2]));
  }
  return p;
}

// The output at a voxel from the partials of the slices below, at and above it.
MEDKERN_HOST_DEVICE inline float combine_partials(const SlicePartials& below,
                                                  const SlicePartials& here,
                                                  const SlicePartials& above,
                                                  const GradientSpec& spec) {
  const bool volume = spec.ndim == 3;
  float gz = volume ? subtract_rounded(above.pz, below.pz) : 0.0f;
  float gy = here.py, gx = here.px;
  if (spec.output == GradientOutput::central_magnitude) {
    gz = multiply_rounded(gz, spec.factor[0]);
    gy = multiply_rounded(gy, spec.factor[1]);
    gx = multiply_rounded(gx, spec.factor[2]);
  } else {
    if (volume) {
      gy = sobel_smooth(below.py, here.py, above.py);
      gx = sobel_smooth(below.px, here.px, above.px);
    }
    switch (spec.output) {
      case GradientOutput::sobel_z:
        return gz;
      case GradientOutput::sobel_y:
        return gy;
      case GradientOutput::sobel_x:
        return gx;
      default:
        break;
    }
    gz = multiply_rounded(gz, spec.scale[0]);
    gy = multiply_rounded(gy, spec.scale[1]);
    gx = multiply_rounded(gx, spec.scale[2]);
  }
  float sum = multiply_rounded(gz, gz);
  sum = add_rounded(sum, multiply_rounded(gy, gy));
  sum = add_rounded(sum, multiply_rounded(gx, gx));
  return sqrt_rounded(sum);
}

// ------------------------------------------------------------------ Canny (ITK's formulas)
// Axes are numbered as in ITK, i = 0 (x), 1 (y), 2 (z); i < ndim take part.

// The 3 x 3 x 3 neighbourhood n[dz + 1][dy + 1][dx + 1] of a voxel, edge voxels repeated.
struct Cube {
  float n[3][3][3];
  // The value at offsets (oi along ITK axis i, oj along axis j).
  MEDKERN_HOST_DEVICE float at(int i, int oi, int j = 0, int oj = 0) const {
    int offset[3] = {0, 0, 0};  // (z, y, x)
    offset[2 - i] += oi;
    offset[2 - j] += oj;
    return n[1 + offset[0]][1 + offset[1]][1 + offset[2]];
  }
};

// CannyEdgeDetectionImageFilter::ComputeCannyEdge: the second derivative of the smoothed
// image L along its gradient, (sum_i d_i^2 d_ii + 2 sum_{i<j} d_i d_j d_ij) / (0.0001 +
// sum_i d_i^2), in ITK's order and precision: float32, but the mixed terms in double (the
// mixed term first).
MEDKERN_HOST_DEVICE inline float canny_second_derivative(const Cube& l, int ndim) {
  float d[3] = {0.0f, 0.0f, 0.0f}, dd[3] = {0.0f, 0.0f, 0.0f};
  const float centre = l.n[1][1][1];
  for (int i = 0; i < ndim; ++i) {
    const float below = l.at(i, -1), above = l.at(i, 1);
    d[i] = multiply_rounded(0.5f, subtract_rounded(above, below));
    dd[i] = add_rounded(add_rounded(below, multiply_rounded(-2.0f, centre)), above);
  }
  float derivative = 0.0f;
  for (int i = 0; i + 1 < ndim; ++i) {
    for (int j = i + 1; j < ndim; ++j) {
      // In double, as ITK's expression with the double constants 0.25 and 2.0 is.
      double mixed = multiply_rounded(0.25, double(l.at(i, -1, j, -1)));
      mixed = add_rounded(mixed, -multiply_rounded(0.25, double(l.at(i, -1, j, 1))));
      mixed = add_rounded(mixed, -multiply_rounded(0.25, double(l.at(i, 1, j, -1))));
      mixed = add_rounded(mixed, multiply_rounded(0.25, double(l.at(i, 1, j, 1))));
      const double term =
          multiply_rounded(multiply_rounded(multiply_rounded(2.0, double(d[i])), double(d[j])),
                           double(float(mixed)));
      derivative = float(add_rounded(double(derivative), term));
    }
  }
  float gradient = 0.0001f;
  for (int i = 0; i < ndim; ++i) {
    derivative = add_rounded(derivative, multiply_rounded(multiply_rounded(d[i], d[i]), dd[i]));
    gradient = add_rounded(gradient, multiply_rounded(d[i], d[i]));
  }
  return divide_rounded(derivative, gradient);
}

// A voxel and its face neighbours, below[i] / above[i] along ITK axis i.
struct Star {
  float centre;
  float below[3];
  float above[3];
};

// ITK's Compute2ndDerivativePos, ZeroCrossingImageFilter and their product: |g| = sqrt(0.0001
// + sum_i d_i^2) where the second derivative D crosses zero and its derivative along the
// gradient is <= 0, else 0. `l`: the smoothed image, `d`: D.
MEDKERN_HOST_DEVICE inline float canny_strength(const Star& l, const Star& d, int ndim) {
  float gradient[3] = {0.0f, 0.0f, 0.0f}, slope[3] = {0.0f, 0.0f, 0.0f};
  float magnitude = 0.0001f;
  for (int i = 0; i < ndim; ++i) {
    gradient[i] = multiply_rounded(0.5f, subtract_rounded(l.above[i], l.below[i]));
    magnitude = add_rounded(magnitude, multiply_rounded(gradient[i], gradient[i]));
    slope[i] = multiply_rounded(0.5f, subtract_rounded(d.above[i], d.below[i]));
  }
  magnitude = sqrt_rounded(magnitude);
  float along = 0.0f;
  for (int i = 0; i < ndim; ++i) {
    along = add_rounded(along, multiply_rounded(slope[i], divide_rounded(gradient[i], magnitude)));
  }
  if (!(along <= 0.0f)) return 0.0f;
  // ZeroCrossingImageFilter: the neighbours below along x, y(, z), then those above.
  const float here = d.centre;
  for (int k = 0; k < 2 * ndim; ++k) {
    const float that = k < ndim ? d.below[k] : d.above[k - ndim];
    const bool opposite = (here < 0.0f && that > 0.0f) || (here > 0.0f && that < 0.0f) ||
                          (here == 0.0f && that != 0.0f) || (here != 0.0f && that == 0.0f);
    if (!opposite) continue;
    const float a = here < 0.0f ? -here : here, b = that < 0.0f ? -that : that;
    if (a < b || (a == b && k >= ndim)) return magnitude;
  }
  return 0.0f;
}

namespace cpu {
// `input`: int16, uint16, float32 host memory, any strides; `output`: contiguous float32.
void gradient(const Context& context, const VolumeRef& input, float* output,
              const GradientSpec& spec);
// Canny's strength (canny_strength of canny_second_derivative) of the smoothed image
// `smoothed` (contiguous float32, `shape`) into `strength` (contiguous float32).
void canny_strength(const Context& context, const float* smoothed, const Shape3& shape, int ndim,
                    float* strength);
// output[i] = 1 where labels[i] is the label of a voxel whose strength is > high, else 0.
void keep_strong_components(const Context& context, const int32_t* labels, const float* strength,
                            int64_t count, int64_t components, float high, uint8_t* output);
}  // namespace cpu

#if MEDKERN_WITH_CUDA
namespace cuda {
// The same on the context's device, all buffers contiguous device memory. Stream-ordered.
void gradient(const Context& context, const VolumeRef& input, float* output,
              const GradientSpec& spec);
void canny_strength(const Context& context, const float* smoothed, const Shape3& shape, int ndim,
                    float* strength);
void keep_strong_components(const Context& context, const int32_t* labels, const float* strength,
                            int64_t count, int64_t components, float high, uint8_t* output);
}  // namespace cuda
#endif

}  // namespace medkern
