// Automatic selection of the arterial input function (include/medkern/perfusion.hpp), after
// Mouridsen et al., "Automatic selection of arterial input function using cluster
// analysis", MRM 2006;55:524. On the host: the curves of the candidate voxels are few, and
// the clustering is sequential.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <vector>

#include "checks.hpp"
#include "medkern/perfusion.hpp"
#include "perfusion_backends.hpp"

namespace medkern {

namespace {

// k-means iterations at most; the assignment settles in a few for these curves.
constexpr int kMaxKMeansIterations = 100;

void check_params(const AifSelectionParams& p, int64_t frames) {
  check_modality(p.modality, p.te_s);
  if (p.baseline_frames < 0 || p.baseline_frames > frames) {
    throw Error(Status::invalid_argument,
                fmt::format("baseline_frames: {} must be 0 (found) or 1 .. {} (the frames)",
                            p.baseline_frames, frames));
  }
  for (const auto& [value, name] : {std::pair{p.area_fraction, "area_fraction"},
                                    std::pair{p.roughness_fraction, "roughness_fraction"}}) {
    if (!(value > 0.0 && value <= 1.0)) {
      throw Error(Status::invalid_argument, fmt::format("{}: {} must be in (0, 1]", name, value));
    }
  }
  if (p.clusters < 1 || p.clusters > 64) {
    throw Error(Status::invalid_argument,
                fmt::format("clusters: {} must be in 1 .. 64", p.clusters));
  }
}

// Area-normalised curves of a set of voxels, row by row.
struct Curves {
  int64_t frames = 0;
  std::vector<int64_t> voxel;  // the voxel of each row
  std::vector<double> values;  // rows x frames
  const double* row(std::size_t i) const { return values.data() + i * frames; }
};

double first_moment(const double* c, const std::vector<double>& times) {
  double weighted = 0.0, total = 0.0;
  for (std::size_t t = 0; t < times.size(); ++t) {
    weighted += times[t] * c[t];
    total += c[t];
  }
  return total > 0.0 ? weighted / total : 0.0;
}

// k-means of the rows, initialised with the rows spread evenly in order of first moment (so
// the result is deterministic); returns each row's cluster.
std::vector<int> k_means(const Curves& curves, int k, const std::vector<double>& times) {
  const std::size_t n = curves.voxel.size();
  const auto frames = std::size_t(curves.frames);
  k = int(std::min<std::size_t>(std::size_t(k), n));
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> moment(n);
  for (std::size_t i = 0; i < n; ++i) moment[i] = first_moment(curves.row(i), times);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return moment[a] < moment[b]; });
  std::vector<double> centre(std::size_t(k) * frames);
  for (int c = 0; c < k; ++c) {
    const std::size_t pick = order[(2 * std::size_t(c) + 1) * n / (2 * std::size_t(k))];
    std::copy_n(curves.row(pick), frames, centre.begin() + std::size_t(c) * frames);
  }
  std::vector<int> cluster(n, -1);
  for (int iteration = 0; iteration < kMaxKMeansIterations; ++iteration) {
    bool changed = false;
    for (std::size_t i = 0; i < n; ++i) {
      int best = 0;
      double best_distance = INFINITY;
      for (int c = 0; c < k; ++c) {
        double distance = 0.0;
        for (std::size_t t = 0; t < frames; ++t) {
          const double d = curves.row(i)[t] - centre[std::size_t(c) * frames + t];
          distance += d * d;
        }
        if (distance < best_distance) {
          best_distance = distance;
          best = c;
        }
      }
      changed |= cluster[i] != best;
      cluster[i] = best;
    }
    if (!changed) break;
    std::vector<double> sum(centre.size(), 0.0);
    std::vector<int64_t> members(std::size_t(k), 0);
    for (std::size_t i = 0; i < n; ++i) {
      ++members[std::size_t(cluster[i])];
      for (std::size_t t = 0; t < frames; ++t) {
        sum[std::size_t(cluster[i]) * frames + t] += curves.row(i)[t];
      }
    }
    for (int c = 0; c < k; ++c) {
      if (members[std::size_t(c)] == 0) continue;  // an emptied cluster keeps its centre
      for (std::size_t t = 0; t < frames; ++t) {
        centre[std::size_t(c) * frames + t] =
            sum[std::size_t(c) * frames + t] / double(members[std::size_t(c)]);
      }
    }
  }
  return cluster;
}

// The rows of the cluster whose mean curve has the smallest first moment, among the
// clusters of at least a tenth of the rows: a handful of voxels that noise made early is
// no arterial cluster.
Curves earliest_cluster(const Curves& curves, int k, const std::vector<double>& times) {
  const std::vector<int> cluster = k_means(curves, k, times);
  const auto frames = std::size_t(curves.frames);
  const auto least = std::max<std::size_t>(1, cluster.size() / 10);
  int best = -1;
  double best_moment = INFINITY;
  for (int c = 0; c < k; ++c) {
    std::vector<double> mean(frames, 0.0);
    std::size_t members = 0;
    for (std::size_t i = 0; i < cluster.size(); ++i) {
      if (cluster[i] != c) continue;
      ++members;
      for (std::size_t t = 0; t < frames; ++t) mean[t] += curves.row(i)[t];
    }
    if (members < least) continue;
    const double moment = first_moment(mean.data(), times);
    if (moment < best_moment) {
      best_moment = moment;
      best = c;
    }
  }
  if (best < 0) {  // no cluster large enough: the largest
    std::vector<std::size_t> members(std::size_t(k), 0);
    for (int c : cluster) ++members[std::size_t(c)];
    best = int(std::max_element(members.begin(), members.end()) - members.begin());
  }
  Curves chosen;
  chosen.frames = curves.frames;
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    if (cluster[i] != best) continue;
    chosen.voxel.push_back(curves.voxel[i]);
    chosen.values.insert(chosen.values.end(), curves.row(i), curves.row(i) + frames);
  }
  return chosen;
}

// Indices of `scores` sorted by `better`, the first `fraction` of them (at least one).
template <class Better>
std::vector<std::size_t> best_fraction(const std::vector<double>& scores, double fraction,
                                       Better&& better) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return better(scores[a], scores[b]); });
  const auto keep =
      std::max<std::size_t>(1, std::size_t(std::ceil(fraction * double(scores.size()))));
  order.resize(std::min(order.size(), keep));
  return order;
}

}  // namespace

AifSelection select_aif(const Context& context, const SeriesRef& series,
                        const std::vector<double>& times_s, const VolumeRef* mask,
                        const VolumeRef& selected, const AifSelectionParams& params) {
  check_perfusion_series(context, series, "series", 2);
  check_frame_times(times_s, series.frames);
  check_params(params, series.frames);
  require_mask(context, mask, series.first);
  require_like(context, series.first, "series frame", selected, "selected", {DType::uint8});
  const HostSeries host = series_on_host(context, series);
  const int64_t nt = host.frames, voxels = host.voxels;
  std::vector<uint8_t> inside(std::size_t(voxels), 1);
  if (mask != nullptr) copy(context, *mask, make_view(inside.data(), mask->shape));

  // The baseline: given, or the frames before the mask's mean signal reaches 10 % of its
  // peak change (as perfusion_maps finds it from the AIF).
  int32_t baseline = params.baseline_frames;
  if (baseline == 0) {
    std::vector<double> mean(std::size_t(nt), 0.0);
    int64_t count = 0;
    for (int64_t v = 0; v < voxels; ++v) {
      if (inside[std::size_t(v)] == 0) continue;
      ++count;
      for (int64_t t = 0; t < nt; ++t) mean[std::size_t(t)] += host.at(t, v);
    }
    if (count == 0) throw Error(Status::invalid_argument, "mask: selects no voxel");
    std::vector<double> c(static_cast<std::size_t>(nt));
    for (int64_t t = 0; t < nt; ++t) {
      c[std::size_t(t)] = concentration_of(float(mean[std::size_t(t)] / double(count)),
                                           float(mean[0] / double(count)), params.modality,
                                           float(params.te_s > 0.0 ? params.te_s : 1.0));
    }
    baseline = frames_before_rise(c.data(), c.size());
  }

  // Concentration, area and roughness of every voxel of the mask with a positive area.
  const std::vector<double> weights = trapezoid_weights(times_s);
  Curves all;
  all.frames = nt;
  std::vector<double> area;
  std::vector<double> c(static_cast<std::size_t>(nt));
  for (int64_t v = 0; v < voxels; ++v) {
    if (inside[std::size_t(v)] == 0) continue;
    double s0 = 0.0;
    for (int32_t t = 0; t < baseline; ++t) s0 += host.at(t, v);
    s0 /= baseline;
    if (params.modality == PerfusionModality::mr && !(s0 > 0.0)) continue;
    double a = 0.0;
    bool finite = true;
    for (int64_t t = 0; t < nt; ++t) {
      c[std::size_t(t)] = concentration_of(host.at(t, v), float(s0), params.modality,
                                           float(params.te_s > 0.0 ? params.te_s : 1.0));
      finite &= std::isfinite(c[std::size_t(t)]);
      a += weights[std::size_t(t)] * c[std::size_t(t)];
    }
    if (!finite || !(a > 0.0)) continue;
    all.voxel.push_back(v);
    for (double x : c) all.values.push_back(x / a);  // normalised to unit area
    area.push_back(a);
  }
  if (all.voxel.empty()) {
    throw Error(Status::invalid_argument,
                "series: no voxel of the mask shows enhancement, so no AIF can be selected");
  }

  // The largest areas, then the least rough, then the earliest cluster, twice.
  const std::vector<std::size_t> large =
      best_fraction(area, params.area_fraction, [](double a, double b) { return a > b; });
  std::vector<double> roughness(large.size());
  for (std::size_t i = 0; i < large.size(); ++i) {
    const double* r = all.row(large[i]);
    double second = 0.0, first_differences = 0.0;
    for (int64_t t = 1; t + 1 < nt; ++t) {
      const double d = r[t + 1] - 2.0 * r[t] + r[t - 1];
      second += d * d;
    }
    for (int64_t t = 0; t + 1 < nt; ++t) first_differences += (r[t + 1] - r[t]) * (r[t + 1] - r[t]);
    // Second differences against first: about 3 for noise, far below 1 for a smooth bolus
    // however sharp, so that the arterial curves' peaks do not count as roughness.
    roughness[i] = first_differences > 0.0 ? second / first_differences : INFINITY;
  }
  const std::vector<std::size_t> smooth =
      best_fraction(roughness, params.roughness_fraction, [](double a, double b) { return a < b; });
  Curves candidates;
  candidates.frames = nt;
  for (std::size_t i : smooth) {
    candidates.voxel.push_back(all.voxel[large[i]]);
    candidates.values.insert(candidates.values.end(), all.row(large[i]), all.row(large[i]) + nt);
  }
  // The second clustering refines the first cluster where it has enough voxels to split.
  const Curves first = earliest_cluster(candidates, params.clusters, times_s);
  const Curves chosen = first.voxel.size() > std::size_t(4 * params.clusters)
                            ? earliest_cluster(first, params.clusters, times_s)
                            : first;

  AifSelection result;
  result.voxels = int64_t(chosen.voxel.size());
  result.curve.assign(std::size_t(nt), 0.0);
  std::vector<uint8_t> out(std::size_t(voxels), 0);
  for (int64_t v : chosen.voxel) {
    out[std::size_t(v)] = 1;
    for (int64_t t = 0; t < nt; ++t) result.curve[std::size_t(t)] += host.at(t, v);
  }
  for (double& x : result.curve) x /= double(result.voxels);
  copy(context, make_view(out.data(), selected.shape), selected);
  return result;
}

}  // namespace medkern
