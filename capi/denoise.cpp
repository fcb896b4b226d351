// medkern.h: noise reduction (median, anisotropic diffusion).
#include "capi.hpp"

namespace medkern::capi {

template <>
struct CParams<medkern_median_params> : CParamsBase {
  using C = medkern_median_params;
  using Cpp = MedianParams;
  static constexpr const char* name = "medkern_median_params";
  static constexpr auto list = fields(field("radius", &C::radius));
};

template <>
struct CParams<medkern_anisotropic_diffusion_params> : CParamsBase {
  using C = medkern_anisotropic_diffusion_params;
  using Cpp = AnisotropicDiffusionParams;
  static constexpr const char* name = "medkern_anisotropic_diffusion_params";
  static constexpr auto required_through = &C::conductance;  // every field, as in 0.1
  static constexpr auto list =
      fields(field("iterations", &C::iterations), field("time_step", &C::time_step),
             field("conductance", &C::conductance));
};

}  // namespace medkern::capi

extern "C" {

medkern_status medkern_median(medkern_context* context, const medkern_volume* input,
                              const medkern_volume* output, const medkern_median_params* params) {
  return medkern::capi::volume_op(__func__, context, {input, "input"}, {output, "output"}, params,
                                  medkern::median);
}

medkern_status medkern_anisotropic_diffusion(medkern_context* context, const medkern_volume* input,
                                             const medkern_volume* output,
                                             const medkern_anisotropic_diffusion_params* params) {
  return medkern::capi::volume_op(__func__, context, {input, "input"}, {output, "output"}, params,
                                  medkern::anisotropic_diffusion);
}

}  // extern "C"
