// medkern.h: coronary calcium scoring.
#include <cstdlib>

#include "capi.hpp"

namespace medkern::capi {

template <>
struct CParams<medkern_calcium_params> : CParamsBase {
  using C = medkern_calcium_params;
  using Cpp = CalciumParams;
  static constexpr const char* name = "medkern_calcium_params";
  // The thickness has no default: a caller must know the field.
  static constexpr bool null_gives_defaults = false;
  static constexpr auto required_through = &C::slice_thickness_mm;
  static constexpr auto list = fields(
      field("slice_thickness_mm", &C::slice_thickness_mm), field("threshold_hu", &C::threshold_hu),
      field("min_area_mm2", &C::min_area_mm2), field("connectivity", &C::connectivity),
      field("normalize_thickness", &C::normalize_thickness),
      field("calibration_mg_per_cm3_per_hu", &C::calibration_mg_per_cm3_per_hu));
};

namespace {

medkern_calcium_totals to_c(const CalciumTotals& t) {
  return medkern_calcium_totals{t.agatston, t.volume_mm3, t.mass_mg, t.lesions};
}

}  // namespace
}  // namespace medkern::capi

using namespace medkern::capi;

extern "C" {

medkern_status medkern_calcium_score(medkern_context* context, const medkern_volume* ct,
                                     const medkern_volume* labels_or_null,
                                     const medkern_calcium_params* params,
                                     medkern_calcium_result** result) {
  return MEDKERN_GUARDED({
    require_pointer(result, "result");
    *result = nullptr;
    const medkern::Context& ctx = context_of(context);
    const medkern::VolumeRef ct_ref = to_ref(ct, "ct");
    const std::optional<medkern::VolumeRef> labels_ref = to_optional_ref(labels_or_null, "labels");
    const medkern::CalciumResult scores =
        medkern::calcium_score(ctx, ct_ref, pointer_to(labels_ref), read_params(params));

    BlockLayout layout;
    layout.add(sizeof(medkern_calcium_result), alignof(medkern_calcium_result));
    const std::size_t labels_at =
        layout.add_array<medkern_calcium_label_totals>(scores.per_label.size(), "labels");
    const std::size_t lesions_at =
        layout.add_array<medkern_calcium_lesion>(scores.lesions.size(), "lesions");
    unsigned char* block = layout.allocate();
    auto* header = reinterpret_cast<medkern_calcium_result*>(block);
    auto* label_records = reinterpret_cast<medkern_calcium_label_totals*>(block + labels_at);
    auto* lesion_records = reinterpret_cast<medkern_calcium_lesion*>(block + lesions_at);
    for (std::size_t i = 0; i < scores.per_label.size(); ++i) {
      label_records[i] = medkern_calcium_label_totals{scores.per_label[i].label, 0,
                                                      to_c(scores.per_label[i].totals)};
    }
    for (std::size_t i = 0; i < scores.lesions.size(); ++i) {
      const medkern::CalciumLesion& l = scores.lesions[i];
      medkern_calcium_lesion& r = lesion_records[i];
      r.slice = l.slice;
      r.voxels = l.voxels;
      r.lesion_3d = l.lesion_3d;
      r.label = l.label;
      r.max_hu = l.max_hu;
      r.weight = l.weight;
      r.reserved0 = 0;
      r.area_mm2 = l.area_mm2;
      r.mean_hu = l.mean_hu;
      r.score = l.score;
      r.volume_mm3 = l.volume_mm3;
      r.mass_mg = l.mass_mg;
      for (int axis = 0; axis < 3; ++axis) r.centroid_mm[axis] = l.centroid_mm[axis];
    }
    header->struct_size = sizeof(medkern_calcium_result);
    header->risk_category = static_cast<int32_t>(scores.risk_category);
    header->total = to_c(scores.total);
    header->lesions_3d = scores.lesions_3d;
    header->slice_step = scores.slice_step;
    header->voxel_volume_mm3 = scores.voxel_volume_mm3;
    header->has_mass = scores.has_mass ? 1 : 0;
    header->reserved0 = 0;
    header->num_labels = static_cast<int64_t>(scores.per_label.size());
    header->labels = scores.per_label.empty() ? nullptr : label_records;
    header->num_lesions = static_cast<int64_t>(scores.lesions.size());
    header->lesions = scores.lesions.empty() ? nullptr : lesion_records;
    *result = header;
  });
}

void medkern_calcium_result_free(medkern_calcium_result* result) {
  std::free(result);
}

const char* medkern_calcium_risk_name(int32_t risk_category) {
  if (risk_category < MEDKERN_CALCIUM_RISK_0 || risk_category > MEDKERN_CALCIUM_RISK_OVER_400) {
    return "unknown";
  }
  return medkern::risk_category_name(static_cast<medkern::RiskCategory>(risk_category));
}

}  // extern "C"
