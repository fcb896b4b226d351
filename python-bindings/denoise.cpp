// medkern._core.median and anisotropic_diffusion (medkern/denoise.hpp).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>

#include "bindings.hpp"

namespace py = pybind11;
using namespace medkern;
using namespace medkern::python;

void register_denoise(py::module_& m) {
  def_op(m, "median", &median, {"input", "output"},
         "output = the median of the (2r+1)-voxel window around each voxel of `input`, radius "
         "(z, y, x), as scipy.ndimage.median_filter(mode='nearest').");

  def_op(m, "anisotropic_diffusion", &anisotropic_diffusion, {"input", "output"},
         "output (float32) = `input` smoothed as ITK GradientAnisotropicDiffusionImageFilter; "
         "the spacing comes from the input descriptor.");
  m.def(
      "max_stable_time_step",
      [](py::handle spacing) {
        return max_stable_time_step(from_python<std::array<double, 3>>(spacing, "spacing"));
      },
      py::arg("spacing"), "ITK's stable bound on the time step: min(spacing) / 16.");
}
