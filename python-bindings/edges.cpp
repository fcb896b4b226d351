// medkern._core.sobel, gradient_magnitude and canny (medkern/edges.hpp).
#include <pybind11/pybind11.h>

#include "bindings.hpp"

namespace py = pybind11;
using namespace medkern;
using namespace medkern::python;

void register_edges(py::module_& m) {
  def_op(m, "sobel", &sobel, {"input", "output"},
         "output (float32) = scipy.ndimage.sobel(input, axis, mode='nearest') over the last "
         "ndim axes; axis is 0 (z), 1 (y) or 2 (x).");

  py::dict methods;
  methods["sobel"] = static_cast<int>(GradientMethod::sobel);
  methods["central"] = static_cast<int>(GradientMethod::central);
  m.attr("gradient_methods") = methods;
  def_op(m, "gradient_magnitude", &gradient_magnitude, {"input", "output"},
         "output (float32) = the gradient magnitude of input over the last ndim axes; method "
         "(see `gradient_methods`): Sobel (scipy) or central differences (ITK "
         "GradientMagnitudeImageFilter).");

  def_op(m, "canny", &canny, {"input", "output"},
         "output (uint8) = 1 on the edges of ITK CannyEdgeDetectionImageFilter (variance = "
         "sigma_mm^2), else 0; ndim 2 runs on each z-slice.");
}
