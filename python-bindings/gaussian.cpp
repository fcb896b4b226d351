// medkern._core.gaussian (medkern/gaussian.hpp).
#include <pybind11/pybind11.h>

#include "bindings.hpp"

namespace py = pybind11;
using namespace medkern;
using namespace medkern::python;

void register_gaussian(py::module_& m) {
  def_op(m, "gaussian", &gaussian, {"input", "output"},
         "output (float32) = scipy.ndimage.gaussian_filter(input, sigma_mm / spacing, "
         "mode='nearest', truncate=truncate); sigma_mm is (z, y, x) in mm, 0 skips an axis.");
}
