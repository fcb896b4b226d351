// medkern.h: watershed and regional minima.
#include "capi.hpp"

namespace medkern::capi {

template <>
struct CParams<medkern_watershed_params> : CParamsBase {
  using C = medkern_watershed_params;
  using Cpp = WatershedParams;
  static constexpr const char* name = "medkern_watershed_params";
  static constexpr auto required_through = &C::watershed_line;  // every field, as in 0.1
  static constexpr auto list =
      fields(field("connectivity", &C::connectivity), field("watershed_line", &C::watershed_line));
};

template <>
struct CParams<medkern_regional_minima_params> : CParamsBase {
  using C = medkern_regional_minima_params;
  using Cpp = RegionalMinimaParams;
  static constexpr const char* name = "medkern_regional_minima_params";
  static constexpr auto list = fields(field("connectivity", &C::connectivity));
};

}  // namespace medkern::capi

using namespace medkern::capi;

extern "C" {

medkern_status medkern_watershed(medkern_context* context, const medkern_volume* elevation,
                                 const medkern_volume* markers, const medkern_volume* mask,
                                 const medkern_volume* labels,
                                 const medkern_watershed_params* params) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::VolumeRef elevation_ref = to_ref(elevation, "elevation");
    const medkern::VolumeRef markers_ref = to_ref(markers, "markers");
    const std::optional<medkern::VolumeRef> mask_ref = to_optional_ref(mask, "mask");
    const medkern::VolumeRef labels_ref = to_ref(labels, "labels");
    medkern::watershed(ctx, elevation_ref, markers_ref, pointer_to(mask_ref), labels_ref,
                       read_params(params));
  });
}

medkern_status medkern_regional_minima(medkern_context* context, const medkern_volume* volume,
                                       const medkern_volume* labels,
                                       const medkern_regional_minima_params* params,
                                       int64_t* count) {
  return volume_op(__func__, context, {volume, "volume"}, {labels, "labels"}, params,
                   medkern::regional_minima, count);
}

}  // extern "C"
