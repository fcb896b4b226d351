// medkern.h: connected components.
#include "capi.hpp"

namespace medkern::capi {

template <>
struct CParams<medkern_label_components_params> : CParamsBase {
  using C = medkern_label_components_params;
  using Cpp = LabelComponentsParams;
  static constexpr const char* name = "medkern_label_components_params";
  static constexpr auto list = fields(field("connectivity", &C::connectivity));
};

}  // namespace medkern::capi

extern "C" {

medkern_status medkern_label_components(medkern_context* context, const medkern_volume* image,
                                        const medkern_volume* labels,
                                        const medkern_label_components_params* params,
                                        int64_t* count) {
  return medkern::capi::volume_op(__func__, context, {image, "image"}, {labels, "labels"}, params,
                                  medkern::label_components, count);
}

}  // extern "C"
