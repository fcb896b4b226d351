// medkern._core.label_statistics (medkern/label_statistics.hpp).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <vector>

#include "bindings.hpp"

namespace py = pybind11;
using namespace medkern;
using namespace medkern::python;

namespace {

// Struct of arrays: one numpy array per field, so that a volume with millions of labels
// does not cost millions of Python objects here (the Python layer decides what to build).
py::dict label_stats_arrays(const std::vector<LabelStats>& stats) {
  const auto n = static_cast<py::ssize_t>(stats.size());
  py::array_t<int32_t> label(n);
  py::array_t<uint64_t> count(n);
  py::array_t<double> sum(n), mean(n), stddev(n), min(n), max(n);
  py::array_t<int64_t> bbox_min({n, py::ssize_t{3}}), bbox_max({n, py::ssize_t{3}});
  py::array_t<double> centroid({n, py::ssize_t{3}});
  auto l = label.mutable_unchecked<1>();
  auto c = count.mutable_unchecked<1>();
  auto s = sum.mutable_unchecked<1>();
  auto me = mean.mutable_unchecked<1>();
  auto sd = stddev.mutable_unchecked<1>();
  auto lo = min.mutable_unchecked<1>();
  auto hi = max.mutable_unchecked<1>();
  auto b0 = bbox_min.mutable_unchecked<2>();
  auto b1 = bbox_max.mutable_unchecked<2>();
  auto ce = centroid.mutable_unchecked<2>();
  for (py::ssize_t i = 0; i < n; ++i) {
    const LabelStats& r = stats[static_cast<std::size_t>(i)];
    l(i) = r.label;
    c(i) = r.count;
    s(i) = r.sum;
    me(i) = r.mean;
    sd(i) = r.std;
    lo(i) = r.min;
    hi(i) = r.max;
    for (py::ssize_t axis = 0; axis < 3; ++axis) {
      b0(i, axis) = r.bbox_min[static_cast<std::size_t>(axis)];
      b1(i, axis) = r.bbox_max[static_cast<std::size_t>(axis)];
      ce(i, axis) = r.centroid_mm[static_cast<std::size_t>(axis)];
    }
  }
  py::dict d;
  d["label"] = label;
  d["count"] = count;
  d["sum"] = sum;
  d["mean"] = mean;
  d["std"] = stddev;
  d["min"] = min;
  d["max"] = max;
  d["bbox_min"] = bbox_min;
  d["bbox_max"] = bbox_max;
  d["centroid_mm"] = centroid;
  return d;
}
}  // namespace

void register_label_statistics(py::module_& m) {
  m.attr("max_label_value") = kMaxLabelValue;
  def_op(
      m, "label_statistics", &label_statistics, {"input", "labels"},
      "Per-label statistics as a dict of numpy arrays, one entry per label present, in "
      "increasing label order: label, count, sum, mean, std, min, max (shape (n,)), "
      "bbox_min, bbox_max (inclusive voxel indices) and centroid_mm (shape (n, 3), z y x).",
      [](const std::vector<LabelStats>& stats) -> py::object { return label_stats_arrays(stats); });
}
