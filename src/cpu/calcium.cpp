#include <algorithm>
#include <numeric>
#include <optional>
#include <utility>
#include <vector>

#include "calcium_backends.hpp"
#include "cpu/union_find.hpp"
#include "label_statistics_backends.hpp"
#include "labeling_backends.hpp"

namespace medkern::cpu {

namespace {

// Majority label of each kept lesion: (lesion, label) votes in runs, sorted, counted; on a
// tie the smallest label wins (runs are sorted by label within a lesion).
void assign_majority(std::vector<std::pair<uint64_t, uint64_t>>& runs,
                     std::vector<LesionSums>& lesions) {
  std::sort(runs.begin(), runs.end());
  std::vector<uint64_t> best(lesions.size(), 0);
  for (std::size_t i = 0; i < runs.size();) {
    const uint64_t key = runs[i].first;
    uint64_t votes = 0;
    for (; i < runs.size() && runs[i].first == key; ++i) votes += runs[i].second;
    const std::size_t lesion = key >> 8;
    if (votes > best[lesion]) {
      best[lesion] = votes;
      lesions[lesion].label = int32_t(key & 0xff);
    }
  }
}

}  // namespace

std::vector<LesionSums> calcium_lesions(const Context& context, const VolumeRef& ct,
                                        const VolumeRef* labels, const CalciumScan& scan) {
  const auto hu = ct.as<const int16_t>("ct");
  std::optional<VolumeView<const uint8_t>> label_view;
  if (labels != nullptr) label_view = labels->as<const uint8_t>("labels");
  const Shape3& shape = ct.shape;
  const int64_t nz = shape[0], ny = shape[1], nx = shape[2];

  // Candidates, then lesions: the per-slice components of the candidates (scratch from the
  // context's pool, whose limit then covers them).
  Volume<uint8_t> candidates(context, shape);
  uint8_t* mask = candidates.data();
  for (int64_t z = 0; z < nz; ++z) {
    for (int64_t y = 0; y < ny; ++y) {
      for (int64_t x = 0; x < nx; ++x) {
        const bool inside = !label_view || (*label_view)(z, y, x) != 0;
        mask[(z * ny + y) * nx + x] =
            calcium_candidate(hu(z, y, x), inside, int32_t(z), scan) ? 1 : 0;
      }
    }
  }
  Volume<int32_t> lesion_ids(context, shape);
  int32_t* ids = lesion_ids.data();
  const int64_t count =
      label_components(context, candidates, ids, scan.neighbours, LabelRule::nonzero);
  if (count == 0) return {};

  // Area, sum, maximum and centroid sums of every lesion, by label statistics.
  std::vector<LabelAccumulator> table(static_cast<std::size_t>(label_table_entries(count)));
  label_statistics(context, ct, lesion_ids, count, false, table.data());
  std::vector<int32_t> kept_of(table.size(), -1);
  std::vector<LesionSums> lesions;
  for (int64_t id = 1; id <= count; ++id) {
    const LabelAccumulator& a = table[id];
    if (!calcium_lesion_kept(a.count, scan.pixel_area_mm2, scan.min_area_mm2)) continue;
    kept_of[id] = int32_t(lesions.size());
    lesions.push_back(LesionSums{int64_t(a.count), a.sum_int, a.coordinate_sum[1],
                                 a.coordinate_sum[2], a.bbox_min[0], a.max_key, 0, 0});
  }
  if (lesions.empty()) return lesions;

  // Label votes, and the joins of lesions that overlap on the next scored slice.
  std::vector<int32_t> parent(lesions.size());
  std::iota(parent.begin(), parent.end(), 0);
  std::vector<std::pair<uint64_t, uint64_t>> runs;  // ((lesion << 8) | label, voxels)
  const int64_t step = scan.slice_step;
  for (int64_t z = 0; z < nz; z += step) {
    for (int64_t y = 0; y < ny; ++y) {
      for (int64_t x = 0; x < nx; ++x) {
        const int64_t i = (z * ny + y) * nx + x;
        const int32_t id = ids[i];
        if (id == 0 || kept_of[id] < 0) continue;
        const int32_t lesion = kept_of[id];
        if (label_view) {
          const uint64_t key = (uint64_t(lesion) << 8) | (*label_view)(z, y, x);
          if (!runs.empty() && runs.back().first == key) {
            ++runs.back().second;
          } else {
            runs.emplace_back(key, 1);
          }
        }
        if (z + step < nz) {
          const int32_t above = ids[i + step * ny * nx];
          if (above != 0 && kept_of[above] >= 0) unite(parent, lesion, kept_of[above]);
        }
      }
    }
  }
  if (label_view) assign_majority(runs, lesions);
  for (std::size_t k = 0; k < lesions.size(); ++k) {
    lesions[k].group = find_root(parent, int32_t(k));
  }
  return lesions;
}

}  // namespace medkern::cpu
