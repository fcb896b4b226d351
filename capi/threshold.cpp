// medkern.h: threshold and Otsu's threshold.
#include "capi.hpp"

namespace medkern::capi {

template <>
struct CParams<medkern_threshold_params> : CParamsBase {
  using C = medkern_threshold_params;
  using Cpp = ThresholdParams;
  static constexpr const char* name = "medkern_threshold_params";
  static constexpr bool null_gives_defaults = false;  // the bounds are the caller's to give
  static constexpr auto list = fields(field("lo", &C::lo), field("hi", &C::hi),
                                      field("inside", &C::inside), field("outside", &C::outside));
};

template <>
struct CParams<medkern_otsu_params> : CParamsBase {
  using C = medkern_otsu_params;
  using Cpp = OtsuParams;
  static constexpr const char* name = "medkern_otsu_params";
  static constexpr auto list = fields(field("bins", &C::bins));
};

namespace {

// Both entry points, the 0.1 one naming itself in messages as the 0.2 one does.
medkern_status otsu(const char* function, medkern_context* context, const medkern_volume* input,
                    const medkern_volume* mask, const medkern_otsu_params* params,
                    double* threshold) noexcept {
  return guarded(function, [&] {
    const Context& ctx = context_of(context);
    const VolumeRef input_ref = to_ref(input, "input");
    const std::optional<VolumeRef> mask_ref = to_optional_ref(mask, "mask");
    require_pointer(threshold, "threshold");
    OtsuParams cpp = read_params(params);
    // medkern.h: integer inputs use one bin per value and ignore `bins`, whatever it is.
    if (input_ref.dtype != DType::float32) cpp.bins = OtsuParams{}.bins;
    *threshold = otsu_threshold(ctx, input_ref, pointer_to(mask_ref), cpp);
  });
}

}  // namespace
}  // namespace medkern::capi

extern "C" {

medkern_status medkern_threshold(medkern_context* context, const medkern_volume* input,
                                 const medkern_volume* output,
                                 const medkern_threshold_params* params) {
  return medkern::capi::volume_op(__func__, context, {input, "input"}, {output, "output"}, params,
                                  medkern::threshold);
}

medkern_status medkern_otsu(medkern_context* context, const medkern_volume* input,
                            const medkern_volume* mask, const medkern_otsu_params* params,
                            double* threshold) {
  return medkern::capi::otsu(__func__, context, input, mask, params, threshold);
}

medkern_status medkern_otsu_threshold(medkern_context* context, const medkern_volume* input,
                                      const medkern_volume* mask, uint32_t bins,
                                      double* threshold) {
  medkern_otsu_params params{};
  params.struct_size = sizeof params;
  params.bins = bins;
  return medkern::capi::otsu(__func__, context, input, mask, &params, threshold);
}

}  // extern "C"
