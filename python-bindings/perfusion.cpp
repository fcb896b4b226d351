// medkern._core.perfusion_maps, perfusion_mean_curve, time_intensity_curves and
// perfusion_phantom (medkern/perfusion.hpp).
//
// A series arrives as (descriptor of frame 0, frames, frame_stride in elements), built by
// medkern/perfusion.py from a 4-D array; per-frame values (times, an AIF curve) as sequences
// of numbers.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include "bindings.hpp"

namespace py = pybind11;
using namespace medkern;
using namespace medkern::python;

namespace {

SeriesRef series_from_python(py::handle series, const char* what) {
  if (!py::isinstance<py::tuple>(series) || py::len(series) != 3) {
    invalid_argument(std::string(what) + ": " + repr_of(series) +
                     " is not a series (descriptor of frame 0, frames, frame_stride)");
  }
  const auto items = py::reinterpret_borrow<py::tuple>(series);
  SeriesRef ref;
  ref.first = to_volume(items[0], what);
  ref.frames = from_python<int64_t>(items[1], "frames");
  ref.frame_stride = from_python<int64_t>(items[2], "frame_stride");
  return ref;
}

std::vector<double> doubles_from_python(py::handle values, const char* what) {
  if (!py::isinstance<py::sequence>(values) || py::isinstance<py::str>(values)) {
    invalid_argument(std::string(what) + ": " + repr_of(values) + " is not a sequence of numbers");
  }
  const auto items = py::reinterpret_borrow<py::sequence>(values);
  std::vector<double> result;
  result.reserve(py::len(items));
  for (std::size_t i = 0; i < py::len(items); ++i) {
    result.push_back(from_python<double>(items[i], what));
  }
  return result;
}

template <class T>
py::array_t<T> array_of(const std::vector<T>& values) {
  py::array_t<T> out(static_cast<py::ssize_t>(values.size()));
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

template <class T>
py::array_t<T> array_of(const std::vector<T>& values, std::vector<py::ssize_t> shape) {
  py::array_t<T> out(shape);
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

// The phantom's parameters have lists (cbf, mtt, delay), which the field lists of the C ABI
// do not map, so they are named here, in the struct's order.
template <class Params, class Visit>
void for_each_phantom_field(Params& p, Visit&& visit) {
  visit("modality", p.modality);
  visit("residue", p.residue);
  visit("cbf", p.cbf);
  visit("mtt", p.mtt);
  visit("delay", p.delay);
  visit("block", p.block);
  visit("frames", p.frames);
  visit("interval_s", p.interval_s);
  visit("snr", p.snr);
  visit("seed", p.seed);
  visit("ct_baseline_hu", p.ct_baseline_hu);
  visit("te_s", p.te_s);
  visit("mr_s0", p.mr_s0);
  visit("aif_peak", p.aif_peak);
  visit("aif_arrival_s", p.aif_arrival_s);
  visit("hematocrit_large", p.hematocrit_large);
  visit("hematocrit_small", p.hematocrit_small);
  visit("density_g_per_ml", p.density_g_per_ml);
}

py::dict phantom_defaults() {
  const PerfusionPhantomParams params{};
  py::dict d;
  for_each_phantom_field(params, [&](const char* name, const auto& value) {
    using T = std::decay_t<decltype(value)>;
    if constexpr (std::is_same_v<T, std::vector<double>>) {
      py::tuple items(value.size());
      for (std::size_t i = 0; i < value.size(); ++i) items[i] = py::float_(value[i]);
      d[name] = items;
    } else {
      d[name] = to_python(value);
    }
  });
  return d;
}

PerfusionPhantomParams phantom_params_from_kwargs(const py::kwargs& kwargs) {
  PerfusionPhantomParams params{};
  std::size_t used = 0;
  for_each_phantom_field(params, [&](const char* name, auto& field) {
    if (!kwargs.contains(name)) return;
    using T = std::decay_t<decltype(field)>;
    if constexpr (std::is_same_v<T, std::vector<double>>) {
      field = doubles_from_python(kwargs[name], name);
    } else {
      field = from_python<T>(kwargs[name], name);
    }
    ++used;
  });
  if (used != kwargs.size()) {
    const py::dict known = phantom_defaults();
    const std::string names = py::str(", ").attr("join")(known).cast<std::string>();
    for (const auto& item : kwargs) {
      if (!known.contains(item.first)) {
        invalid_argument("perfusion_phantom: " + repr_of(item.first) +
                         " is not one of its parameters (" + names + ")");
      }
    }
  }
  // Every other residue code would silently be the last shape: an enum's value is the
  // binding's to check, as the C ABI checks its codes.
  const auto residue = static_cast<int32_t>(params.residue);
  if (residue < 0 || residue > static_cast<int32_t>(ResidueShape::linear)) {
    invalid_argument("residue: " + std::to_string(residue) +
                     " is none of exponential (0), boxcar (1), linear (2)");
  }
  return params;
}

py::dict phantom_dict(const PerfusionPhantom& phantom) {
  const auto [nt, nz, ny, nx] = phantom.shape;
  py::dict d;
  d["series"] = array_of(phantom.series, {nt, nz, ny, nx});
  d["times"] = array_of(phantom.times_s);
  d["aif"] = array_of(phantom.aif);
  d["cbf"] = array_of(phantom.cbf, {nz, ny, nx});
  d["cbv"] = array_of(phantom.cbv, {nz, ny, nx});
  d["mtt"] = array_of(phantom.mtt, {nz, ny, nx});
  d["delay"] = array_of(phantom.delay, {nz, ny, nx});
  return d;
}

}  // namespace

void register_perfusion(py::module_& m) {
  py::dict modalities;
  modalities["ct"] = static_cast<int>(PerfusionModality::ct);
  modalities["mr"] = static_cast<int>(PerfusionModality::mr);
  modalities["concentration"] = static_cast<int>(PerfusionModality::concentration);
  m.attr("perfusion_modalities") = modalities;
  py::dict methods;
  methods["ssvd"] = static_cast<int>(DeconvolutionMethod::ssvd);
  methods["csvd"] = static_cast<int>(DeconvolutionMethod::csvd);
  methods["osvd"] = static_cast<int>(DeconvolutionMethod::osvd);
  methods["tikhonov"] = static_cast<int>(DeconvolutionMethod::tikhonov);
  m.attr("deconvolution_methods") = methods;
  py::dict residues;
  residues["exponential"] = static_cast<int>(ResidueShape::exponential);
  residues["boxcar"] = static_cast<int>(ResidueShape::boxcar);
  residues["linear"] = static_cast<int>(ResidueShape::linear);
  m.attr("residue_shapes") = residues;

  const std::string maps_doc =
      "Writes the maps (cbf, cbv, mtt, tmax, ttp, arrival: float32; valid: uint8; descriptors "
      "of a frame's shape) of `series` (descriptor of frame 0, frames, frame_stride) against "
      "the AIF curve `aif` (one value per frame, in the series' units; `vof`, a venous output "
      "curve or None, scales it to its area) at frame times `times` "
      "(s), within `mask` (a uint8 descriptor or None). Returns a dict: aif (the AIF as "
      "concentration, numpy float64), baseline_frames, truncation, sample_interval_s, samples." +
      publish_defaults<PerfusionParams>(m, "perfusion_maps");
  m.def(
      "perfusion_maps",
      [](const Context& ctx, py::handle series, py::handle times, py::handle aif, py::handle mask,
         py::handle maps, py::handle vof, const py::kwargs& kwargs) {
        const SeriesRef s = series_from_python(series, "series");
        const std::vector<double> times_s = doubles_from_python(times, "times");
        const std::vector<double> aif_values = doubles_from_python(aif, "aif");
        const std::vector<double> vof_values =
            vof.is_none() ? std::vector<double>() : doubles_from_python(vof, "vof");
        const OptionalVolume mask_ref(mask, "mask");
        if (!py::isinstance<py::sequence>(maps) || py::len(maps) != 7) {
          invalid_argument("maps: " + repr_of(maps) +
                           " is not 7 descriptors (cbf, cbv, mtt, tmax, ttp, arrival, valid)");
        }
        const auto m = py::reinterpret_borrow<py::sequence>(maps);
        const PerfusionMapsRef out{to_volume(m[0], "cbf"),  to_volume(m[1], "cbv"),
                                   to_volume(m[2], "mtt"),  to_volume(m[3], "tmax"),
                                   to_volume(m[4], "ttp"),  to_volume(m[5], "arrival"),
                                   to_volume(m[6], "valid")};
        const auto params = params_from_kwargs<PerfusionParams>(kwargs, "perfusion_maps");
        PerfusionInfo info;
        {
          py::gil_scoped_release release;
          info =
              perfusion_maps(ctx, s, times_s, aif_values, mask_ref.get(), out, params, vof_values);
        }
        py::dict d;
        d["aif"] = array_of(info.aif);
        d["baseline_frames"] = info.baseline_frames;
        d["truncation"] = info.truncation;
        d["sample_interval_s"] = info.sample_interval_s;
        d["samples"] = info.samples;
        return d;
      },
      py::arg("ctx"), py::arg("series"), py::arg("times"), py::arg("aif"), py::arg("mask"),
      py::arg("maps"), py::arg("vof") = py::none(), maps_doc.c_str());

  m.def(
      "perfusion_residues",
      [](const Context& ctx, py::handle series, py::handle times, py::handle aif, py::handle mask,
         py::handle vof, const py::kwargs& kwargs) {
        const SeriesRef s = series_from_python(series, "series");
        const std::vector<double> times_s = doubles_from_python(times, "times");
        const std::vector<double> aif_values = doubles_from_python(aif, "aif");
        const std::vector<double> vof_values =
            vof.is_none() ? std::vector<double>() : doubles_from_python(vof, "vof");
        const OptionalVolume mask_ref(mask, "mask");
        const auto params = params_from_kwargs<PerfusionParams>(kwargs, "perfusion_maps");
        std::vector<float> residues;
        {
          py::gil_scoped_release release;
          residues =
              perfusion_residues(ctx, s, times_s, aif_values, mask_ref.get(), params, vof_values);
        }
        const auto voxels = static_cast<py::ssize_t>(s.first.numel());
        return array_of(residues, {static_cast<py::ssize_t>(residues.size()) / voxels, voxels});
      },
      py::arg("ctx"), py::arg("series"), py::arg("times"), py::arg("aif"), py::arg("mask"),
      py::arg("vof") = py::none(),
      "The residue functions CBF x R(t) of every voxel (samples x voxels, numpy float32) on "
      "the uniform grid of perfusion_maps, with its arguments and keywords.");

  m.def(
      "perfusion_mean_curve",
      [](const Context& ctx, py::handle series, py::handle aif_mask) {
        const SeriesRef s = series_from_python(series, "series");
        const VolumeRef mask_ref = to_volume(aif_mask, "aif_mask");
        std::vector<double> curve;
        {
          py::gil_scoped_release release;
          curve = mean_curve(ctx, s, mask_ref);
        }
        return array_of(curve);
      },
      py::arg("ctx"), py::arg("series"), py::arg("aif_mask"),
      "The mean of `series` over the non-zero voxels of `aif_mask` (uint8, a frame's shape) "
      "at each frame, as numpy float64: the AIF of a region.");

  m.def(
      "time_intensity_curves",
      [](const Context& ctx, py::handle series, py::handle labels) {
        const SeriesRef s = series_from_python(series, "series");
        const VolumeRef labels_ref = to_volume(labels, "labels");
        TimeIntensityCurves curves;
        {
          py::gil_scoped_release release;
          curves = time_intensity_curves(ctx, s, labels_ref);
        }
        const auto n = static_cast<py::ssize_t>(curves.labels.size());
        const auto frames = static_cast<py::ssize_t>(curves.frames);
        py::dict d;
        d["labels"] = array_of(curves.labels);
        d["count"] = array_of(curves.count);
        d["mean"] = array_of(curves.mean, {n, frames});
        d["std"] = array_of(curves.std, {n, frames});
        return d;
      },
      py::arg("ctx"), py::arg("series"), py::arg("labels"),
      "Per label of `labels` (int32 or uint8, a frame's shape) present: labels, count, and "
      "mean and std (population) at every frame, shape (labels, frames), as numpy arrays.");

  const std::string aif_doc =
      "Selects arterial voxels of `series` (descriptor of frame 0, frames, frame_stride) at "
      "frame times `times` among the voxels of `mask` (uint8 descriptor or None) and writes "
      "them as 1 into `selected` (uint8 descriptor, a frame's shape). Returns a dict: curve "
      "(the selected voxels' mean signal, numpy float64), voxels." +
      publish_defaults<AifSelectionParams>(m, "select_aif");
  m.def(
      "select_aif",
      [](const Context& ctx, py::handle series, py::handle times, py::handle mask,
         py::handle selected, const py::kwargs& kwargs) {
        const SeriesRef s = series_from_python(series, "series");
        const std::vector<double> times_s = doubles_from_python(times, "times");
        const OptionalVolume mask_ref(mask, "mask");
        const VolumeRef out = to_volume(selected, "selected");
        const auto params = params_from_kwargs<AifSelectionParams>(kwargs, "select_aif");
        AifSelection aif;
        {
          py::gil_scoped_release release;
          aif = select_aif(ctx, s, times_s, mask_ref.get(), out, params);
        }
        py::dict d;
        d["curve"] = array_of(aif.curve);
        d["voxels"] = aif.voxels;
        return d;
      },
      py::arg("ctx"), py::arg("series"), py::arg("times"), py::arg("mask"), py::arg("selected"),
      aif_doc.c_str());

  const std::string curve_doc =
      "The parameters of one curve (`curve`, `times` in s: equal lengths, at least 2) as a "
      "dict: baseline, peak_enhancement, relative_enhancement, time_to_peak_s, arrival_s, "
      "area, wash_in_slope, wash_out_slope, first_moment_s, fwhm_s, signal_enhancement_ratio, "
      "kinetic_type." +
      publish_defaults<CurveParameterOptions>(m, "curve_parameters");
  m.def(
      "curve_parameters",
      [](py::handle curve, py::handle times, const py::kwargs& kwargs) {
        const std::vector<double> values = doubles_from_python(curve, "curve");
        const std::vector<double> times_s = doubles_from_python(times, "times");
        const auto options = params_from_kwargs<CurveParameterOptions>(kwargs, "curve_parameters");
        if (values.size() != times_s.size()) {
          throw Error(Status::shape_mismatch, "curve: " + std::to_string(values.size()) +
                                                  " values for " + std::to_string(times_s.size()) +
                                                  " times");
        }
        const CurveParameters p = curve_parameters(values, times_s, options);
        py::dict d;
        d["baseline"] = p.baseline;
        d["peak_enhancement"] = p.peak_enhancement;
        d["relative_enhancement"] = p.relative_enhancement;
        d["time_to_peak_s"] = p.time_to_peak_s;
        d["arrival_s"] = p.arrival_s;
        d["area"] = p.area;
        d["wash_in_slope"] = p.wash_in_slope;
        d["wash_out_slope"] = p.wash_out_slope;
        d["first_moment_s"] = p.first_moment_s;
        d["fwhm_s"] = p.fwhm_s;
        d["signal_enhancement_ratio"] = p.signal_enhancement_ratio;
        d["kinetic_type"] = p.kinetic_type;
        return d;
      },
      py::arg("curve"), py::arg("times"), curve_doc.c_str());

  m.def(
      "kinetic_maps",
      [](const Context& ctx, py::handle series, py::handle times, py::handle mask, py::handle maps,
         const py::kwargs& kwargs) {
        const SeriesRef s = series_from_python(series, "series");
        const std::vector<double> times_s = doubles_from_python(times, "times");
        const OptionalVolume mask_ref(mask, "mask");
        if (!py::isinstance<py::sequence>(maps) || py::len(maps) != 12) {
          invalid_argument("maps: " + repr_of(maps) + " is not 12 descriptors");
        }
        const auto m = py::reinterpret_borrow<py::sequence>(maps);
        const KineticMapsRef out{to_volume(m[0], "baseline"),
                                 to_volume(m[1], "peak_enhancement"),
                                 to_volume(m[2], "relative_enhancement"),
                                 to_volume(m[3], "time_to_peak"),
                                 to_volume(m[4], "arrival"),
                                 to_volume(m[5], "area"),
                                 to_volume(m[6], "wash_in_slope"),
                                 to_volume(m[7], "wash_out_slope"),
                                 to_volume(m[8], "first_moment"),
                                 to_volume(m[9], "fwhm"),
                                 to_volume(m[10], "signal_enhancement_ratio"),
                                 to_volume(m[11], "kinetic_type")};
        const auto options = params_from_kwargs<CurveParameterOptions>(kwargs, "curve_parameters");
        py::gil_scoped_release release;
        kinetic_maps(ctx, s, times_s, mask_ref.get(), out, options);
      },
      py::arg("ctx"), py::arg("series"), py::arg("times"), py::arg("mask"), py::arg("maps"),
      "Writes the curve parameters of every voxel of `series` within `mask` into `maps`: 12 "
      "descriptors of a frame's shape (baseline, peak_enhancement, relative_enhancement, "
      "time_to_peak, arrival, area, wash_in_slope, wash_out_slope, first_moment, fwhm, "
      "signal_enhancement_ratio: float32; kinetic_type: uint8). Keywords as "
      "curve_parameters'.");

  const std::string stroke_doc =
      "The stroke summary of the maps cbf, tmax (float32) and valid (uint8) descriptors (the "
      "voxel volume from cbf's spacing), the reference CBF as the mean over the valid voxels "
      "of `reference_mask` (uint8 descriptor or None) unless reference_cbf is given. Returns a "
      "dict: hypoperfusion_ml, core_ml, mismatch_ml, mismatch_ratio, reference_cbf, "
      "valid_voxels." +
      publish_defaults<StrokeParams>(m, "stroke_summary");
  m.def(
      "stroke_summary",
      [](const Context& ctx, py::handle cbf, py::handle tmax, py::handle valid,
         py::handle reference_mask, const py::kwargs& kwargs) {
        PerfusionMapsRef maps;
        maps.cbf = to_volume(cbf, "cbf");
        maps.tmax = to_volume(tmax, "tmax");
        maps.valid = to_volume(valid, "valid");
        const OptionalVolume mask_ref(reference_mask, "reference_mask");
        const auto params = params_from_kwargs<StrokeParams>(kwargs, "stroke_summary");
        StrokeSummary s;
        {
          py::gil_scoped_release release;
          s = stroke_summary(ctx, maps, mask_ref.get(), params);
        }
        py::dict d;
        d["hypoperfusion_ml"] = s.hypoperfusion_ml;
        d["core_ml"] = s.core_ml;
        d["mismatch_ml"] = s.mismatch_ml;
        d["mismatch_ratio"] = s.mismatch_ratio;
        d["reference_cbf"] = s.reference_cbf;
        d["valid_voxels"] = s.valid_voxels;
        return d;
      },
      py::arg("ctx"), py::arg("cbf"), py::arg("tmax"), py::arg("valid"), py::arg("reference_mask"),
      stroke_doc.c_str());

  m.attr("defaults")["perfusion_phantom"] = phantom_defaults();
  const std::string phantom_doc =
      "A digital reference object: a gamma-variate AIF and, per CBF x delay x MTT, a block of "
      "voxels with the tissue curve CBF * (AIF (x) R)(t - delay). Returns a dict of numpy "
      "arrays: series (float32, (frames, 1, ny, nx)), times, aif, and the true cbf, cbv, mtt, "
      "delay (float32, (1, ny, nx)). Parameters by keyword, with their defaults: " +
      repr_of(m.attr("defaults")["perfusion_phantom"]) + ".";
  m.def(
      "perfusion_phantom",
      [](const py::kwargs& kwargs) {
        const PerfusionPhantomParams params = phantom_params_from_kwargs(kwargs);
        PerfusionPhantom phantom;
        {
          py::gil_scoped_release release;
          phantom = perfusion_phantom(params);
        }
        return phantom_dict(phantom);
      },
      phantom_doc.c_str());
}
