// Noise reduction: median filter (scipy.ndimage.median_filter) and gradient anisotropic
// diffusion (ITK GradientAnisotropicDiffusionImageFilter).
#pragma once

#include <array>
#include <cstdint>

#include "medkern/context.hpp"
#include "medkern/fields.hpp"

namespace medkern {

struct MedianParams {
  std::array<int, 3> radius{1, 1, 1};  // (z, y, x): the window is 2r + 1 voxels per axis
};

template <>
struct FieldsOf<MedianParams> {
  static constexpr auto list = fields(field("radius", &MedianParams::radius));
};

// output = the median of the (2rz+1) x (2ry+1) x (2rx+1) window around each voxel, the
// volume's edge voxels repeated beyond its faces: scipy.ndimage.median_filter(input,
// size=(2rz+1, 2ry+1, 2rx+1), mode='nearest'), equal voxel for voxel. Each radius is 0..3
// and not all are 0 (0 on an axis: e.g. (0, 1, 1) filters each z-slice on its own).
// input, output: int16, uint16 or float32, one dtype, one shape, not overlapping.
// float32 order: -0.0 sorts below +0.0, NaN above +inf (as numpy.sort), so a window with
// more NaN than half its values gives NaN and one with fewer gives the median of an order in
// which its NaN are the largest values (scipy's result with NaN depends on their positions).
void median(const Context& context, const VolumeRef& input, const VolumeRef& output,
            const MedianParams& params = {});

struct AnisotropicDiffusionParams {
  int iterations = 5;         // >= 0; 0 copies the input as float32
  double time_step = 0.0625;  // > 0 and <= min(spacing) / 2^(3+1) (ITK's stable bound)
  double conductance = 1.0;   // > 0, finite
};

template <>
struct FieldsOf<AnisotropicDiffusionParams> {
  static constexpr auto list =
      fields(field("iterations", &AnisotropicDiffusionParams::iterations),
             field("time_step", &AnisotropicDiffusionParams::time_step),
             field("conductance", &AnisotropicDiffusionParams::conductance));
};

// ITK GradientAnisotropicDiffusionImageFilter (Perona-Malik, ITK's conductance scaling) on
// `input` (int16, uint16, float32; spacing from the view) into `output` (float32, same
// shape): every iteration K = -2 * conductance^2 * (mean squared gradient magnitude of the
// current image, central differences / spacing) and every voxel moves by time_step times the
// sum over axes of exp(g_f^2 / K) * forward difference - exp(g_b^2 / K) * backward difference
// (differences / spacing, g the gradient magnitude at the face), edge voxels repeated beyond
// the faces (ITK's ZeroFluxNeumann). ITK's arithmetic: float differences, double the rest.
// Errors: iterations < 0; time_step not positive, not finite or above min(spacing) / 16
// (ITK only warns); conductance not positive or not finite; when iterations > 0, input with
// NaN or infinity, or whose values span more than FLT_MAX / 2 / max(1, 2 * sum(1 / spacing))
// (beyond it a difference or an update in float32 may overflow, and ITK would return
// infinities). Checked on the input before the first iteration; the output is then untouched.
void anisotropic_diffusion(const Context& context, const VolumeRef& input, const VolumeRef& output,
                           const AnisotropicDiffusionParams& params);

// ITK's stable bound on the time step for `spacing`: min(spacing) / 2^(3 + 1).
double max_stable_time_step(const Spacing3& spacing);

}  // namespace medkern
