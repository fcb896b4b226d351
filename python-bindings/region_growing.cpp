// medkern._core.connected_threshold and confidence_connected (medkern/region_growing.hpp).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bindings.hpp"

namespace py = pybind11;
using namespace medkern;
using namespace medkern::python;

void register_region_growing(py::module_& m) {
  const std::string threshold_doc =
      "output = 1 on the voxels connected to a seed (z, y, x) through lo <= value <= hi (ITK "
      "ConnectedThresholdImageFilter), else 0." +
      publish_defaults<ConnectedThresholdParams>(m, "connected_threshold");
  m.def(
      "connected_threshold",
      [](const Context& ctx, py::handle input, const std::vector<Seed>& seeds, py::handle output,
         const py::kwargs& kwargs) {
        const VolumeRef in = to_volume(input, "input");
        const VolumeRef out = to_volume(output, "output");
        const auto params =
            params_from_kwargs<ConnectedThresholdParams>(kwargs, "connected_threshold");
        py::gil_scoped_release release;
        connected_threshold(ctx, in, seeds, out, params);
      },
      py::arg("ctx"), py::arg("input"), py::arg("seeds"), py::arg("output"), threshold_doc.c_str());

  const std::string confidence_doc =
      "output = 1 on the region grown from the seeds with a band estimated from the data (ITK "
      "ConfidenceConnectedImageFilter), else 0. Returns the last estimate as a dict: mean, "
      "variance, lower, upper (the final band), iterations (estimates from the region made)." +
      publish_defaults<ConfidenceConnectedParams>(m, "confidence_connected");
  m.def(
      "confidence_connected",
      [](const Context& ctx, py::handle input, const std::vector<Seed>& seeds, py::handle output,
         const py::kwargs& kwargs) {
        const VolumeRef in = to_volume(input, "input");
        const VolumeRef out = to_volume(output, "output");
        const auto params =
            params_from_kwargs<ConfidenceConnectedParams>(kwargs, "confidence_connected");
        ConfidenceConnectedStats stats;
        {
          py::gil_scoped_release release;
          stats = confidence_connected(ctx, in, seeds, out, params);
        }
        py::dict d;
        d["mean"] = stats.mean;
        d["variance"] = stats.variance;
        d["lower"] = stats.lower;
        d["upper"] = stats.upper;
        d["iterations"] = stats.iterations;
        return d;
      },
      py::arg("ctx"), py::arg("input"), py::arg("seeds"), py::arg("output"),
      confidence_doc.c_str());
}
