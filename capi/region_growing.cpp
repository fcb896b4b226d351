// medkern.h: region growing (connected threshold, confidence connected).
#include <vector>

#include "capi.hpp"

namespace medkern::capi {

template <>
struct CParams<medkern_connected_threshold_params> : CParamsBase {
  using C = medkern_connected_threshold_params;
  using Cpp = ConnectedThresholdParams;
  static constexpr const char* name = "medkern_connected_threshold_params";
  static constexpr bool null_gives_defaults = false;  // the band is the caller's to give
  static constexpr auto required_through = &C::hi;
  static constexpr auto list =
      fields(field("lo", &C::lo), field("hi", &C::hi), field("connectivity", &C::connectivity));
};

template <>
struct CParams<medkern_confidence_connected_params> : CParamsBase {
  using C = medkern_confidence_connected_params;
  using Cpp = ConfidenceConnectedParams;
  static constexpr const char* name = "medkern_confidence_connected_params";
  static constexpr auto required_through = &C::multiplier;  // every field, as in 0.1
  static constexpr auto list =
      fields(field("multiplier", &C::multiplier), field("iterations", &C::iterations),
             field("initial_radius", &C::initial_radius), field("connectivity", &C::connectivity));
};

namespace {

// The seeds of region growing: seed_count (z, y, x) triples.
std::vector<Seed> read_seeds(const int64_t* seeds, int64_t seed_count) {
  require_pointer(seeds, "seeds");
  if (seed_count < 1 || seed_count > (int64_t(1) << 32)) {
    throw_invalid("seed_count: " + std::to_string(seed_count) + " is outside 1..2^32");
  }
  std::vector<Seed> seed_list(static_cast<std::size_t>(seed_count));
  for (int64_t s = 0; s < seed_count; ++s) {
    seed_list[s] = {seeds[3 * s], seeds[3 * s + 1], seeds[3 * s + 2]};
  }
  return seed_list;
}

// The entry points of shape (context, input, seeds, seed_count, output, params): the
// arguments converted in the order input, output, seeds, params, then
// op(context, input, seeds, output, params).
template <class C, class Op>
medkern_status seeded_op(const char* function, medkern_context* context,
                         const medkern_volume* input, const int64_t* seeds, int64_t seed_count,
                         const medkern_volume* output, const C* params, Op op) noexcept {
  return guarded(function, [&] {
    const Context& ctx = context_of(context);
    const VolumeRef input_ref = to_ref(input, "input");
    const VolumeRef output_ref = to_ref(output, "output");
    const std::vector<Seed> seed_list = read_seeds(seeds, seed_count);
    op(ctx, input_ref, seed_list, output_ref, read_params(params));
  });
}

}  // namespace
}  // namespace medkern::capi

extern "C" {

medkern_status medkern_connected_threshold(medkern_context* context, const medkern_volume* input,
                                           const int64_t* seeds, int64_t seed_count,
                                           const medkern_volume* output,
                                           const medkern_connected_threshold_params* params) {
  return medkern::capi::seeded_op(__func__, context, input, seeds, seed_count, output, params,
                                  medkern::connected_threshold);
}

medkern_status medkern_confidence_connected(medkern_context* context, const medkern_volume* input,
                                            const int64_t* seeds, int64_t seed_count,
                                            const medkern_volume* output,
                                            const medkern_confidence_connected_params* params) {
  return medkern::capi::seeded_op(__func__, context, input, seeds, seed_count, output, params,
                                  medkern::confidence_connected);
}

}  // extern "C"
