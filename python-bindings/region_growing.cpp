// medkern._core.connected_threshold and confidence_connected (medkern/region_growing.hpp).
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "bindings.hpp"

namespace py = pybind11;
using namespace medkern;
using namespace medkern::python;

namespace {

// (z, y, x) seeds from a sequence of 3-sequences of integers; medkern/_common.py pads them.
std::vector<Seed> seeds_from_python(py::handle seeds) {
  if (!py::isinstance<py::sequence>(seeds) || py::isinstance<py::str>(seeds)) {
    invalid_argument("seeds: " + repr_of(seeds) + " is not a sequence of (z, y, x) seeds");
  }
  const auto items = py::reinterpret_borrow<py::sequence>(seeds);
  std::vector<Seed> result;
  result.reserve(py::len(items));
  for (std::size_t k = 0; k < py::len(items); ++k) {
    const std::string name = "seeds[" + std::to_string(k) + "]";
    result.push_back(from_python<Seed>(items[k], name.c_str()));
  }
  return result;
}

}  // namespace

void register_region_growing(py::module_& m) {
  const std::string threshold_doc =
      "output = 1 on the voxels connected to a seed (z, y, x) through lo <= value <= hi (ITK "
      "ConnectedThresholdImageFilter), else 0." +
      publish_defaults<ConnectedThresholdParams>(m, "connected_threshold");
  m.def(
      "connected_threshold",
      [](const Context& ctx, py::handle input, py::handle seed_list, py::handle output,
         const py::kwargs& kwargs) {
        const VolumeRef in = to_volume(input, "input");
        const std::vector<Seed> seeds = seeds_from_python(seed_list);
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
      [](const Context& ctx, py::handle input, py::handle seed_list, py::handle output,
         const py::kwargs& kwargs) {
        const VolumeRef in = to_volume(input, "input");
        const std::vector<Seed> seeds = seeds_from_python(seed_list);
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
