// medkern.h: Gaussian smoothing.
#include "capi.hpp"

namespace medkern::capi {

template <>
struct CParams<medkern_gaussian_params> : CParamsBase {
  using C = medkern_gaussian_params;
  using Cpp = GaussianParams;
  static constexpr const char* name = "medkern_gaussian_params";
  static constexpr auto list =
      fields(field("sigma_mm", &C::sigma_mm), field("truncate", &C::truncate));
};

}  // namespace medkern::capi

extern "C" {

medkern_status medkern_gaussian(medkern_context* context, const medkern_volume* input,
                                const medkern_volume* output,
                                const medkern_gaussian_params* params) {
  return medkern::capi::volume_op(__func__, context, {input, "input"}, {output, "output"}, params,
                                  medkern::gaussian);
}

}  // extern "C"
