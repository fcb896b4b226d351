// medkern._core.calcium_score (medkern/calcium.hpp).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <string>
#include <vector>

#include "bindings.hpp"

namespace py = pybind11;
using namespace medkern;
using namespace medkern::python;

namespace {

py::dict calcium_totals_dict(const CalciumTotals& t) {
  py::dict d;
  d["agatston"] = t.agatston;
  d["volume_mm3"] = t.volume_mm3;
  d["mass_mg"] = t.mass_mg;
  d["lesions"] = t.lesions;
  return d;
}

// One numpy array of `rows.size()` values of T, field(row) each; or of shape (n, 3) for
// fields that are arrays of three.
template <class T, class Row, class Field>
py::array_t<T> column(const std::vector<Row>& rows, Field field) {
  const auto n = static_cast<py::ssize_t>(rows.size());
  py::array_t<T> out(n);
  auto o = out.template mutable_unchecked<1>();
  for (py::ssize_t i = 0; i < n; ++i) o(i) = static_cast<T>(field(rows[std::size_t(i)]));
  return out;
}
template <class T, class Row, class Field>
py::array_t<T> column3(const std::vector<Row>& rows, Field field) {
  const auto n = static_cast<py::ssize_t>(rows.size());
  py::array_t<T> out({n, py::ssize_t{3}});
  auto o = out.template mutable_unchecked<2>();
  for (py::ssize_t i = 0; i < n; ++i) {
    const auto& values = field(rows[std::size_t(i)]);
    for (py::ssize_t axis = 0; axis < 3; ++axis)
      o(i, axis) = static_cast<T>(values[std::size_t(axis)]);
  }
  return out;
}

// The result of calcium_score: totals as dicts, lesions as a struct of numpy arrays.
py::dict calcium_result_dict(const CalciumResult& r) {
  using L = CalciumLesion;
  const auto& rows = r.lesions;
  py::dict lesions;
  lesions["slice"] = column<int64_t>(rows, [](const L& l) { return l.slice; });
  lesions["label"] = column<int64_t>(rows, [](const L& l) { return l.label; });
  lesions["voxels"] = column<int64_t>(rows, [](const L& l) { return l.voxels; });
  lesions["area_mm2"] = column<double>(rows, [](const L& l) { return l.area_mm2; });
  lesions["max_hu"] = column<int64_t>(rows, [](const L& l) { return l.max_hu; });
  lesions["mean_hu"] = column<double>(rows, [](const L& l) { return l.mean_hu; });
  lesions["weight"] = column<int64_t>(rows, [](const L& l) { return l.weight; });
  lesions["score"] = column<double>(rows, [](const L& l) { return l.score; });
  lesions["volume_mm3"] = column<double>(rows, [](const L& l) { return l.volume_mm3; });
  lesions["mass_mg"] = column<double>(rows, [](const L& l) { return l.mass_mg; });
  lesions["centroid_mm"] = column3<double>(rows, [](const L& l) { return l.centroid_mm; });
  lesions["lesion_3d"] = column<int64_t>(rows, [](const L& l) { return l.lesion_3d; });
  py::dict per_label;
  for (const CalciumLabelTotals& entry : r.per_label) {
    per_label[py::int_(entry.label)] = calcium_totals_dict(entry.totals);
  }
  py::dict d;
  d["total"] = calcium_totals_dict(r.total);
  d["per_label"] = per_label;
  d["lesions"] = lesions;
  d["lesions_3d"] = r.lesions_3d;
  d["risk_category"] = std::string(risk_category_name(r.risk_category));
  d["slice_step"] = r.slice_step;
  d["voxel_volume_mm3"] = r.voxel_volume_mm3;
  d["has_mass"] = r.has_mass;
  return d;
}

}  // namespace

void register_calcium(py::module_& m) {
  const std::string doc =
      "Agatston, volume and mass scores of `ct` (int16 HU; spacing from the descriptor) within "
      "`labels` (uint8 or None). Returns a dict: total, per_label (label -> totals), lesions "
      "(a dict of numpy arrays), lesions_3d, risk_category, slice_step, voxel_volume_mm3, "
      "has_mass." +
      publish_defaults<CalciumParams>(m, "calcium_score");
  m.def(
      "calcium_score",
      [](const Context& ctx, py::handle ct, py::handle labels, const py::kwargs& kwargs) {
        const VolumeRef in = to_volume(ct, "ct");
        const OptionalVolume lab(labels, "labels");
        const auto params = params_from_kwargs<CalciumParams>(kwargs, "calcium_score");
        CalciumResult result;
        {
          py::gil_scoped_release release;
          result = calcium_score(ctx, in, lab.get(), params);
        }
        return calcium_result_dict(result);
      },
      py::arg("ctx"), py::arg("ct"), py::arg("labels"), doc.c_str());
}
