// medkern.h: edges (Sobel, gradient magnitude, Canny).
#include "capi.hpp"

namespace medkern::capi {

template <>
struct EnumCodes<GradientMethod> {
  static constexpr const char* names[] = {"MEDKERN_GRADIENT_SOBEL", "MEDKERN_GRADIENT_CENTRAL"};
};

template <>
struct CParams<medkern_sobel_params> : CParamsBase {
  using C = medkern_sobel_params;
  using Cpp = SobelParams;
  static constexpr const char* name = "medkern_sobel_params";
  static constexpr auto list = fields(field("axis", &C::axis), field("ndim", &C::ndim));
};

template <>
struct CParams<medkern_gradient_magnitude_params> : CParamsBase {
  using C = medkern_gradient_magnitude_params;
  using Cpp = GradientMagnitudeParams;
  static constexpr const char* name = "medkern_gradient_magnitude_params";
  static constexpr auto list = fields(
      field("method", &C::method), field("use_spacing", &C::use_spacing), field("ndim", &C::ndim));
};

template <>
struct CParams<medkern_canny_params> : CParamsBase {
  using C = medkern_canny_params;
  using Cpp = CannyParams;
  static constexpr const char* name = "medkern_canny_params";
  // The thresholds have no default.
  static constexpr bool null_gives_defaults = false;
  static constexpr auto required_through = &C::high;
  static constexpr auto list = fields(field("sigma_mm", &C::sigma_mm), field("low", &C::low),
                                      field("high", &C::high), field("ndim", &C::ndim));
};

}  // namespace medkern::capi

extern "C" {

medkern_status medkern_sobel(medkern_context* context, const medkern_volume* input,
                             const medkern_volume* output, const medkern_sobel_params* params) {
  return medkern::capi::volume_op(__func__, context, {input, "input"}, {output, "output"}, params,
                                  medkern::sobel);
}

medkern_status medkern_gradient_magnitude(medkern_context* context, const medkern_volume* input,
                                          const medkern_volume* output,
                                          const medkern_gradient_magnitude_params* params) {
  return medkern::capi::volume_op(__func__, context, {input, "input"}, {output, "output"}, params,
                                  medkern::gradient_magnitude);
}

medkern_status medkern_canny(medkern_context* context, const medkern_volume* input,
                             const medkern_volume* output, const medkern_canny_params* params) {
  return medkern::capi::volume_op(__func__, context, {input, "input"}, {output, "output"}, params,
                                  medkern::canny);
}

}  // extern "C"
