// medkern._core.label_components (medkern/labeling.hpp).
#include <pybind11/pybind11.h>

#include "bindings.hpp"

namespace py = pybind11;
using namespace medkern;
using namespace medkern::python;

void register_labeling(py::module_& m) {
  def_op(m, "label_components", &label_components, {"image", "labels"},
         "Labels the connected components of `image` into `labels` (int32, same shape), "
         "numbered in raster order of their first voxel; returns their number. uint8: a mask, "
         "any non-zero voxel is foreground (scipy.ndimage.label); int16, uint16, int32: equal "
         "non-zero values connect (skimage.measure.label(background=0)). connectivity: 6, 18, "
         "26 (3-D) or 4, 8 (each z-slice alone).");
}
