// medkern.h: histogram.
#include "capi.hpp"

namespace medkern::capi {

template <>
struct CParams<medkern_histogram_params> : CParamsBase {
  using C = medkern_histogram_params;
  using Cpp = HistogramParams;
  static constexpr const char* name = "medkern_histogram_params";
  static constexpr bool null_gives_defaults = false;  // the range is the caller's to give
  static constexpr auto list =
      fields(field("bins", &C::bins), field("lo", &C::lo), field("hi", &C::hi),
             field("float32_range", &C::float32_range));
};

namespace {

// Both entry points, the 0.1 one naming itself in messages as the 0.2 one does.
medkern_status histogram_counts(const char* function, medkern_context* context,
                                const medkern_volume* input, const medkern_volume* mask,
                                const medkern_volume* counts,
                                const medkern_histogram_params* params) noexcept {
  return guarded(function, [&] {
    const Context& ctx = context_of(context);
    const VolumeRef input_ref = to_ref(input, "input");
    const std::optional<VolumeRef> mask_ref = to_optional_ref(mask, "mask");
    const VolumeRef counts_ref = to_ref(counts, "counts");
    histogram(ctx, input_ref, pointer_to(mask_ref), counts_ref, read_params(params));
  });
}

}  // namespace
}  // namespace medkern::capi

extern "C" {

medkern_status medkern_histogram_counts(medkern_context* context, const medkern_volume* input,
                                        const medkern_volume* mask, const medkern_volume* counts,
                                        const medkern_histogram_params* params) {
  return medkern::capi::histogram_counts(__func__, context, input, mask, counts, params);
}

medkern_status medkern_histogram(medkern_context* context, const medkern_volume* input,
                                 const medkern_volume* mask, const medkern_histogram_params* params,
                                 const medkern_volume* counts) {
  return medkern::capi::histogram_counts(__func__, context, input, mask, counts, params);
}

}  // extern "C"
