// medkern.h: label statistics.
#include <cstdlib>

#include "capi.hpp"

namespace medkern::capi {

template <>
struct CParams<medkern_label_statistics_params> : CParamsBase {
  using C = medkern_label_statistics_params;
  using Cpp = LabelStatisticsParams;
  static constexpr const char* name = "medkern_label_statistics_params";
  static constexpr auto list = fields(field("include_background", &C::include_background));
};

}  // namespace medkern::capi

using namespace medkern::capi;

extern "C" {

medkern_status medkern_label_statistics(medkern_context* context, const medkern_volume* input,
                                        const medkern_volume* labels,
                                        const medkern_label_statistics_params* params,
                                        medkern_label_statistics_result** result) {
  return MEDKERN_GUARDED({
    require_pointer(result, "result");
    *result = nullptr;
    const medkern::Context& ctx = context_of(context);
    const medkern::VolumeRef input_ref = to_ref(input, "input");
    const medkern::VolumeRef labels_ref = to_ref(labels, "labels");
    const std::vector<medkern::LabelStats> stats =
        medkern::label_statistics(ctx, input_ref, labels_ref, read_params(params));

    BlockLayout layout;
    layout.add(sizeof(medkern_label_statistics_result), alignof(medkern_label_statistics_result));
    const std::size_t records_at = layout.add_array<medkern_label_stats>(stats.size(), "labels");
    unsigned char* block = layout.allocate();
    auto* header = reinterpret_cast<medkern_label_statistics_result*>(block);
    auto* records = reinterpret_cast<medkern_label_stats*>(block + records_at);
    for (std::size_t i = 0; i < stats.size(); ++i) {
      const medkern::LabelStats& s = stats[i];
      medkern_label_stats& r = records[i];
      r.label = s.label;
      r.reserved0 = 0;
      r.count = s.count;
      r.sum = s.sum;
      r.mean = s.mean;
      r.std = s.std;
      r.min = s.min;
      r.max = s.max;
      for (int axis = 0; axis < 3; ++axis) {
        r.bbox_min[axis] = s.bbox_min[axis];
        r.bbox_max[axis] = s.bbox_max[axis];
        r.centroid_mm[axis] = s.centroid_mm[axis];
      }
    }
    header->struct_size = sizeof(medkern_label_statistics_result);
    header->reserved0 = 0;
    header->num_labels = static_cast<int64_t>(stats.size());
    header->labels = stats.empty() ? nullptr : records;
    *result = header;
  });
}

void medkern_label_statistics_free(medkern_label_statistics_result* result) {
  std::free(result);
}

}  // extern "C"
