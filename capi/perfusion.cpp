// medkern.h: perfusion (maps by deconvolution, the AIF of a region, time-intensity curves).
#include <cstdlib>
#include <string>
#include <vector>

#include "capi.hpp"

namespace medkern::capi {

template <>
struct EnumCodes<PerfusionModality> {
  static constexpr const char* names[] = {"MEDKERN_PERFUSION_CT", "MEDKERN_PERFUSION_MR",
                                          "MEDKERN_PERFUSION_CONCENTRATION"};
};

template <>
struct EnumCodes<DeconvolutionMethod> {
  static constexpr const char* names[] = {
      "MEDKERN_DECONVOLUTION_SSVD", "MEDKERN_DECONVOLUTION_CSVD", "MEDKERN_DECONVOLUTION_OSVD",
      "MEDKERN_DECONVOLUTION_TIKHONOV"};
};

template <>
struct CParams<medkern_perfusion_params> : CParamsBase {
  using C = medkern_perfusion_params;
  using Cpp = PerfusionParams;
  static constexpr const char* name = "medkern_perfusion_params";
  static constexpr auto list =
      fields(field("modality", &C::modality), field("te_s", &C::te_s), field("method", &C::method),
             field("truncation", &C::truncation), field("oscillation_index", &C::oscillation_index),
             field("baseline_frames", &C::baseline_frames),
             field("hematocrit_large", &C::hematocrit_large),
             field("hematocrit_small", &C::hematocrit_small),
             field("density_g_per_ml", &C::density_g_per_ml));
};

// Every map is an output that must be given: a shorter struct would leave some unwritten.
template <>
struct Versioned<medkern_perfusion_maps_out> {
  static constexpr const char* name = "medkern_perfusion_maps_out";
  static std::size_t min_size() {
    return offsetof(medkern_perfusion_maps_out, valid) + sizeof(medkern_volume);
  }
  static medkern_perfusion_maps_out defaults() {
    medkern_perfusion_maps_out m{};
    m.struct_size = sizeof(medkern_perfusion_maps_out);
    return m;
  }
};

template <>
struct Versioned<medkern_perfusion_info> {
  static constexpr const char* name = "medkern_perfusion_info";
  static std::size_t min_size() {
    return offsetof(medkern_perfusion_info, baseline_frames) + sizeof(int32_t);
  }
  static medkern_perfusion_info defaults() {
    medkern_perfusion_info i{};
    i.struct_size = sizeof(medkern_perfusion_info);
    return i;
  }
};

template <>
struct CParams<medkern_aif_selection_params> : CParamsBase {
  using C = medkern_aif_selection_params;
  using Cpp = AifSelectionParams;
  static constexpr const char* name = "medkern_aif_selection_params";
  static constexpr auto list = fields(
      field("modality", &C::modality), field("te_s", &C::te_s),
      field("baseline_frames", &C::baseline_frames), field("area_fraction", &C::area_fraction),
      field("roughness_fraction", &C::roughness_fraction), field("clusters", &C::clusters));
};

template <>
struct CParams<medkern_curve_parameter_options> : CParamsBase {
  using C = medkern_curve_parameter_options;
  using Cpp = CurveParameterOptions;
  static constexpr const char* name = "medkern_curve_parameter_options";
  static constexpr auto list = fields(field("baseline_frames", &C::baseline_frames),
                                      field("early_window_s", &C::early_window_s),
                                      field("type_threshold", &C::type_threshold));
};

template <>
struct Versioned<medkern_curve_parameters> {
  static constexpr const char* name = "medkern_curve_parameters";
  static std::size_t min_size() {
    return offsetof(medkern_curve_parameters, kinetic_type) + sizeof(int32_t);
  }
  static medkern_curve_parameters defaults() {
    medkern_curve_parameters p{};
    p.struct_size = sizeof(medkern_curve_parameters);
    return p;
  }
};

// Every map is an output that must be given: a shorter struct would leave some unwritten.
template <>
struct Versioned<medkern_kinetic_maps_out> {
  static constexpr const char* name = "medkern_kinetic_maps_out";
  static std::size_t min_size() {
    return offsetof(medkern_kinetic_maps_out, kinetic_type) + sizeof(medkern_volume);
  }
  static medkern_kinetic_maps_out defaults() {
    medkern_kinetic_maps_out m{};
    m.struct_size = sizeof(medkern_kinetic_maps_out);
    return m;
  }
};

template <>
struct CParams<medkern_stroke_params> : CParamsBase {
  using C = medkern_stroke_params;
  using Cpp = StrokeParams;
  static constexpr const char* name = "medkern_stroke_params";
  static constexpr auto list = fields(field("tmax_threshold_s", &C::tmax_threshold_s),
                                      field("relative_cbf_threshold", &C::relative_cbf_threshold),
                                      field("reference_cbf", &C::reference_cbf));
};

template <>
struct Versioned<medkern_stroke_summary> {
  static constexpr const char* name = "medkern_stroke_summary";
  static std::size_t min_size() {
    return offsetof(medkern_stroke_summary, hypoperfusion_ml) + sizeof(double);
  }
  static medkern_stroke_summary defaults() {
    medkern_stroke_summary s{};
    s.struct_size = sizeof(medkern_stroke_summary);
    return s;
  }
};

namespace {

// The maps of a medkern_perfusion_maps_out as the C++ API takes them.
PerfusionMapsRef to_maps(const medkern_perfusion_maps_out* maps) {
  const medkern_perfusion_maps_out m = read_struct(maps, "maps");
  return {to_ref(&m.cbf, "maps->cbf"),    to_ref(&m.cbv, "maps->cbv"),
          to_ref(&m.mtt, "maps->mtt"),    to_ref(&m.tmax, "maps->tmax"),
          to_ref(&m.ttp, "maps->ttp"),    to_ref(&m.arrival, "maps->arrival"),
          to_ref(&m.valid, "maps->valid")};
}

// The per-frame arrays of the C call: checked against the series before any is read, so
// that a count that disagrees with the frames never reads past the caller's buffers.
void require_count(int64_t count, const SeriesRef& series, const char* what) {
  if (count < 1) throw_invalid(std::string("count: ") + std::to_string(count) + " is below 1");
  if (count != series.frames) {
    throw Error(Status::shape_mismatch, std::string("count: ") + std::to_string(count) + " " +
                                            what + " for " + std::to_string(series.frames) +
                                            " frames");
  }
}

std::vector<double> to_vector(const double* values, int64_t count, const char* what) {
  require_pointer(values, what);
  return std::vector<double>(values, values + count);
}

}  // namespace
}  // namespace medkern::capi

using namespace medkern::capi;

extern "C" {

medkern_status medkern_series_init(medkern_series* series, medkern_dtype dtype, void* data,
                                   int64_t nt, int64_t nz, int64_t ny, int64_t nx) {
  return MEDKERN_GUARDED({
    require_pointer(series, "series");
    medkern_series s = Versioned<medkern_series>::defaults();
    medkern_volume& v = s.first;
    v.dtype = dtype;
    v.data = data;
    v.shape[0] = nz;
    v.shape[1] = ny;
    v.shape[2] = nx;
    // Unsigned, so that absurd extents wrap instead of overflowing; the ops reject them.
    const uint64_t plane = static_cast<uint64_t>(ny) * static_cast<uint64_t>(nx);
    v.strides[0] = static_cast<int64_t>(plane);
    v.strides[1] = nx;
    v.strides[2] = 1;
    s.frames = nt;
    s.frame_stride = static_cast<int64_t>(plane * static_cast<uint64_t>(nz));
    *series = s;
  });
}

medkern_status medkern_perfusion_maps(medkern_context* context, const medkern_series* series,
                                      const double* times_s, const double* aif, const double* vof,
                                      int64_t count, const medkern_volume* mask,
                                      const medkern_perfusion_maps_out* maps,
                                      const medkern_perfusion_params* params,
                                      medkern_perfusion_info* info) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::SeriesRef series_ref = to_series(series, "series");
    medkern::validate_series(series_ref, "series");
    require_count(count, series_ref, "times and AIF values");
    const std::vector<double> times = to_vector(times_s, count, "times_s");
    const std::vector<double> aif_values = to_vector(aif, count, "aif");
    const std::vector<double> vof_values =
        vof == nullptr ? std::vector<double>() : to_vector(vof, count, "vof");
    const std::optional<medkern::VolumeRef> mask_ref = to_optional_ref(mask, "mask");
    const medkern::PerfusionMapsRef maps_ref = to_maps(maps);
    const medkern::PerfusionParams cpp = read_params(params);
    // Checked before the op runs, so that a bad struct_size costs no computation and a
    // failure leaves *info as it was.
    if (info != nullptr) known_size(info, "info");
    const medkern::PerfusionInfo result = medkern::perfusion_maps(
        ctx, series_ref, times, aif_values, pointer_to(mask_ref), maps_ref, cpp, vof_values);
    if (info != nullptr) {
      medkern_perfusion_info out = Versioned<medkern_perfusion_info>::defaults();
      out.baseline_frames = result.baseline_frames;
      out.truncation = result.truncation;
      out.sample_interval_s = result.sample_interval_s;
      out.samples = result.samples;
      write_struct(info, out, "info");
    }
  });
}

medkern_status medkern_perfusion_mean_curve(medkern_context* context, const medkern_series* series,
                                            const medkern_volume* aif_mask, double* curve,
                                            int64_t count) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::SeriesRef series_ref = to_series(series, "series");
    const medkern::VolumeRef mask_ref = to_ref(aif_mask, "aif_mask");
    require_pointer(curve, "curve");
    medkern::validate_series(series_ref, "series");
    require_count(count, series_ref, "curve values");
    const std::vector<double> mean = medkern::mean_curve(ctx, series_ref, mask_ref);
    for (int64_t t = 0; t < count; ++t) curve[t] = mean[static_cast<std::size_t>(t)];
  });
}

medkern_status medkern_time_intensity_curves(medkern_context* context, const medkern_series* series,
                                             const medkern_volume* labels,
                                             medkern_time_intensity_curves_result** result) {
  return MEDKERN_GUARDED({
    require_pointer(result, "result");
    *result = nullptr;
    const medkern::Context& ctx = context_of(context);
    const medkern::SeriesRef series_ref = to_series(series, "series");
    const medkern::VolumeRef labels_ref = to_ref(labels, "labels");
    const medkern::TimeIntensityCurves curves =
        medkern::time_intensity_curves(ctx, series_ref, labels_ref);

    const std::size_t n = curves.labels.size();
    const std::size_t values = curves.mean.size();  // n * frames
    BlockLayout layout;
    layout.add(sizeof(medkern_time_intensity_curves_result),
               alignof(medkern_time_intensity_curves_result));
    const std::size_t labels_at = layout.add_array<int32_t>(n, "labels");
    const std::size_t count_at = layout.add_array<int64_t>(n, "counts");
    const std::size_t mean_at = layout.add_array<double>(values, "means");
    const std::size_t std_at = layout.add_array<double>(values, "deviations");
    unsigned char* block = layout.allocate();
    auto* header = reinterpret_cast<medkern_time_intensity_curves_result*>(block);
    auto* label_values = reinterpret_cast<int32_t*>(block + labels_at);
    auto* counts = reinterpret_cast<int64_t*>(block + count_at);
    auto* means = reinterpret_cast<double*>(block + mean_at);
    auto* deviations = reinterpret_cast<double*>(block + std_at);
    for (std::size_t i = 0; i < n; ++i) {
      label_values[i] = curves.labels[i];
      counts[i] = curves.count[i];
    }
    for (std::size_t i = 0; i < values; ++i) {
      means[i] = curves.mean[i];
      deviations[i] = curves.std[i];
    }
    header->struct_size = sizeof(medkern_time_intensity_curves_result);
    header->reserved0 = 0;
    header->num_labels = static_cast<int64_t>(n);
    header->frames = curves.frames;
    header->labels = n == 0 ? nullptr : label_values;
    header->count = n == 0 ? nullptr : counts;
    header->mean = n == 0 ? nullptr : means;
    header->std = n == 0 ? nullptr : deviations;
    *result = header;
  });
}

void medkern_time_intensity_curves_free(medkern_time_intensity_curves_result* result) {
  std::free(result);
}

medkern_status medkern_curve_parameters_of(const double* curve, const double* times_s,
                                           int64_t count,
                                           const medkern_curve_parameter_options* options,
                                           medkern_curve_parameters* out) {
  return MEDKERN_GUARDED({
    require_pointer(out, "out");
    known_size(out, "out");
    if (count < 2) throw_invalid("count: " + std::to_string(count) + " is below 2");
    const std::vector<double> values = to_vector(curve, count, "curve");
    const std::vector<double> times = to_vector(times_s, count, "times_s");
    const medkern::CurveParameters p =
        medkern::curve_parameters(values, times, read_params(options));
    medkern_curve_parameters result = Versioned<medkern_curve_parameters>::defaults();
    result.kinetic_type = p.kinetic_type;
    result.baseline = p.baseline;
    result.peak_enhancement = p.peak_enhancement;
    result.relative_enhancement = p.relative_enhancement;
    result.time_to_peak_s = p.time_to_peak_s;
    result.arrival_s = p.arrival_s;
    result.area = p.area;
    result.wash_in_slope = p.wash_in_slope;
    result.wash_out_slope = p.wash_out_slope;
    result.first_moment_s = p.first_moment_s;
    result.fwhm_s = p.fwhm_s;
    result.signal_enhancement_ratio = p.signal_enhancement_ratio;
    write_struct(out, result, "out");
  });
}

medkern_status medkern_kinetic_maps(medkern_context* context, const medkern_series* series,
                                    const double* times_s, int64_t count,
                                    const medkern_volume* mask,
                                    const medkern_kinetic_maps_out* maps,
                                    const medkern_curve_parameter_options* options) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::SeriesRef series_ref = to_series(series, "series");
    medkern::validate_series(series_ref, "series");
    require_count(count, series_ref, "times");
    const std::vector<double> times = to_vector(times_s, count, "times_s");
    const std::optional<medkern::VolumeRef> mask_ref = to_optional_ref(mask, "mask");
    const medkern_kinetic_maps_out m = read_struct(maps, "maps");
    const medkern::KineticMapsRef maps_ref{
        to_ref(&m.baseline, "maps->baseline"),
        to_ref(&m.peak_enhancement, "maps->peak_enhancement"),
        to_ref(&m.relative_enhancement, "maps->relative_enhancement"),
        to_ref(&m.time_to_peak, "maps->time_to_peak"),
        to_ref(&m.arrival, "maps->arrival"),
        to_ref(&m.area, "maps->area"),
        to_ref(&m.wash_in_slope, "maps->wash_in_slope"),
        to_ref(&m.wash_out_slope, "maps->wash_out_slope"),
        to_ref(&m.first_moment, "maps->first_moment"),
        to_ref(&m.fwhm, "maps->fwhm"),
        to_ref(&m.signal_enhancement_ratio, "maps->signal_enhancement_ratio"),
        to_ref(&m.kinetic_type, "maps->kinetic_type")};
    medkern::kinetic_maps(ctx, series_ref, times, pointer_to(mask_ref), maps_ref,
                          read_params(options));
  });
}

medkern_status medkern_select_aif(medkern_context* context, const medkern_series* series,
                                  const double* times_s, int64_t count, const medkern_volume* mask,
                                  const medkern_aif_selection_params* params,
                                  const medkern_volume* selected, double* curve, int64_t* voxels) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::SeriesRef series_ref = to_series(series, "series");
    medkern::validate_series(series_ref, "series");
    require_count(count, series_ref, "times and curve values");
    const std::vector<double> times = to_vector(times_s, count, "times_s");
    const std::optional<medkern::VolumeRef> mask_ref = to_optional_ref(mask, "mask");
    const medkern::VolumeRef selected_ref = to_ref(selected, "selected");
    require_pointer(curve, "curve");
    const medkern::AifSelectionParams cpp = read_params(params);
    const medkern::AifSelection aif =
        medkern::select_aif(ctx, series_ref, times, pointer_to(mask_ref), selected_ref, cpp);
    for (int64_t t = 0; t < count; ++t) curve[t] = aif.curve[static_cast<std::size_t>(t)];
    if (voxels != nullptr) *voxels = aif.voxels;
  });
}

medkern_status medkern_stroke_summary_of(medkern_context* context,
                                         const medkern_perfusion_maps_out* maps,
                                         const medkern_volume* reference_mask,
                                         const medkern_stroke_params* params,
                                         medkern_stroke_summary* summary) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::PerfusionMapsRef maps_ref = to_maps(maps);
    const std::optional<medkern::VolumeRef> mask_ref =
        to_optional_ref(reference_mask, "reference_mask");
    const medkern::StrokeParams cpp = read_params(params);
    require_pointer(summary, "summary");
    known_size(summary, "summary");
    const medkern::StrokeSummary s =
        medkern::stroke_summary(ctx, maps_ref, pointer_to(mask_ref), cpp);
    medkern_stroke_summary out = Versioned<medkern_stroke_summary>::defaults();
    out.hypoperfusion_ml = s.hypoperfusion_ml;
    out.core_ml = s.core_ml;
    out.mismatch_ml = s.mismatch_ml;
    out.mismatch_ratio = s.mismatch_ratio;
    out.reference_cbf = s.reference_cbf;
    out.valid_voxels = s.valid_voxels;
    write_struct(summary, out, "summary");
  });
}

}  // extern "C"
