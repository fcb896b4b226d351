// The stroke summary of perfusion maps (include/medkern/perfusion.hpp): a reduction over
// three maps, done on the host (maps on a device are copied there first).
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <vector>

#include "checks.hpp"
#include "medkern/perfusion.hpp"

namespace medkern {

namespace {

template <class T>
std::vector<T> on_host(const Context& context, const VolumeRef& volume) {
  std::vector<T> values(static_cast<std::size_t>(volume.numel()));
  copy(context, volume, make_view(values.data(), volume.shape));
  return values;
}

}  // namespace

StrokeSummary stroke_summary(const Context& context, const PerfusionMapsRef& maps,
                             const VolumeRef* reference_mask, const StrokeParams& params) {
  require_volume(context, maps.cbf, "cbf", {DType::float32});
  require_like(context, maps.cbf, "cbf", maps.tmax, "tmax", {DType::float32});
  require_like(context, maps.cbf, "cbf", maps.valid, "valid", {DType::uint8});
  require_mask(context, reference_mask, maps.cbf);
  require_finite(params.tmax_threshold_s, "tmax_threshold_s", true);
  if (!(params.relative_cbf_threshold > 0.0 && params.relative_cbf_threshold < 1.0)) {
    throw Error(
        Status::invalid_argument,
        fmt::format("relative_cbf_threshold: {} must be in (0, 1)", params.relative_cbf_threshold));
  }
  require_finite(params.reference_cbf, "reference_cbf", false,
                 " (0: the mean CBF of the reference mask)");
  if (params.reference_cbf == 0.0 && reference_mask == nullptr) {
    throw Error(Status::invalid_argument,
                "reference_cbf: 0 takes the mean CBF of the reference mask, but none was given");
  }
  const std::vector<float> cbf = on_host<float>(context, maps.cbf);
  const std::vector<float> tmax = on_host<float>(context, maps.tmax);
  const std::vector<uint8_t> valid = on_host<uint8_t>(context, maps.valid);
  StrokeSummary summary;
  summary.reference_cbf = params.reference_cbf;
  if (params.reference_cbf == 0.0) {
    const std::vector<uint8_t> reference = on_host<uint8_t>(context, *reference_mask);
    double sum = 0.0;
    int64_t count = 0;
    for (std::size_t i = 0; i < cbf.size(); ++i) {
      if (reference[i] != 0 && valid[i] != 0) {
        sum += cbf[i];
        ++count;
      }
    }
    if (count == 0 || !(sum > 0.0)) {
      throw Error(Status::invalid_argument,
                  "reference_mask: holds no valid voxel with CBF above 0, so no reference CBF");
    }
    summary.reference_cbf = sum / double(count);
  }
  const double core_below = params.relative_cbf_threshold * summary.reference_cbf;
  int64_t hypoperfused = 0, core = 0;
  for (std::size_t i = 0; i < cbf.size(); ++i) {
    if (valid[i] == 0) continue;
    ++summary.valid_voxels;
    if (tmax[i] > params.tmax_threshold_s) ++hypoperfused;
    if (cbf[i] < core_below) ++core;
  }
  const Spacing3& s = maps.cbf.spacing;
  const double voxel_ml = s[0] * s[1] * s[2] / 1000.0;
  summary.hypoperfusion_ml = double(hypoperfused) * voxel_ml;
  summary.core_ml = double(core) * voxel_ml;
  summary.mismatch_ml = summary.hypoperfusion_ml - summary.core_ml;
  summary.mismatch_ratio = core > 0           ? double(hypoperfused) / double(core)
                           : hypoperfused > 0 ? std::numeric_limits<double>::infinity()
                                              : 0.0;
  return summary;
}

}  // namespace medkern
