// medkern._core.histogram (medkern/histogram.hpp).
#include <pybind11/pybind11.h>

#include "bindings.hpp"

namespace py = pybind11;
using namespace medkern;
using namespace medkern::python;

void register_histogram(py::module_& m) {
  m.attr("max_histogram_bins") = kMaxHistogramBins;
  const std::string doc =
      "Counts `input` into `counts` (contiguous uint64, `bins` elements) as "
      "numpy.histogram(input[mask != 0], bins, range=(lo, hi)); `mask` may be None. With "
      "float32_range (float32 input, lo and hi float32 values) the edges are built in float32 "
      "arithmetic, as numpy does for a range taken from float32 data." +
      publish_defaults<HistogramParams>(m, "histogram");
  m.def(
      "histogram",
      [](const Context& ctx, py::handle input, py::handle mask, py::handle counts,
         const py::kwargs& kwargs) {
        const VolumeRef in = to_volume(input, "input");
        const OptionalVolume msk(mask, "mask");
        const VolumeRef out = to_volume(counts, "counts");
        const auto params = params_from_kwargs<HistogramParams>(kwargs, "histogram");
        py::gil_scoped_release release;
        histogram(ctx, in, msk.get(), out, params);
      },
      py::arg("ctx"), py::arg("input"), py::arg("mask"), py::arg("counts"), doc.c_str());
}
