// medkern._core.watershed and regional_minima (medkern/watershed.hpp).
#include <pybind11/pybind11.h>

#include <string>

#include "bindings.hpp"

namespace py = pybind11;
using namespace medkern;
using namespace medkern::python;

void register_watershed(py::module_& m) {
  const std::string doc =
      "Floods `elevation` (float32, int16, uint16) from `markers` (int32) into `labels` "
      "(int32) as skimage.segmentation.watershed; `mask` (uint8) may be None." +
      publish_defaults<WatershedParams>(m, "watershed");
  m.def(
      "watershed",
      [](const Context& ctx, py::handle elevation, py::handle markers, py::handle mask,
         py::handle labels, const py::kwargs& kwargs) {
        const VolumeRef elev = to_volume(elevation, "elevation");
        const VolumeRef mark = to_volume(markers, "markers");
        const OptionalVolume msk(mask, "mask");
        const VolumeRef out = to_volume(labels, "labels");
        const auto params = params_from_kwargs<WatershedParams>(kwargs, "watershed");
        py::gil_scoped_release release;
        watershed(ctx, elev, mark, msk.get(), out, params);
      },
      py::arg("ctx"), py::arg("elevation"), py::arg("markers"), py::arg("mask"), py::arg("labels"),
      doc.c_str());

  def_op(m, "regional_minima", &regional_minima, {"volume", "labels"},
         "Labels the regional minima of `volume` into `labels` (int32) as scipy.ndimage.label("
         "skimage.morphology.local_minima(volume)); returns their number.");
}
