// medkern._core.threshold and otsu_threshold (medkern/threshold.hpp).
#include <pybind11/pybind11.h>

#include "bindings.hpp"

namespace py = pybind11;
using namespace medkern;
using namespace medkern::python;

void register_threshold(py::module_& m) {
  def_op(m, "threshold", &threshold, {"input", "output"},
         "output = inside where lo <= input <= hi (compared in double), else outside.");

  const std::string otsu_doc =
      "skimage.filters.threshold_otsu(input[mask != 0], nbins=bins); "
      "`mask` may be None." +
      publish_defaults<OtsuParams>(m, "otsu_threshold");
  m.def(
      "otsu_threshold",
      [](const Context& ctx, py::handle input, py::handle mask, const py::kwargs& kwargs) {
        const VolumeRef in = to_volume(input, "input");
        const OptionalVolume msk(mask, "mask");
        const auto params = params_from_kwargs<OtsuParams>(kwargs, "otsu_threshold");
        py::gil_scoped_release release;
        return otsu_threshold(ctx, in, msk.get(), params);
      },
      py::arg("ctx"), py::arg("input"), py::arg("mask"), otsu_doc.c_str());
}
