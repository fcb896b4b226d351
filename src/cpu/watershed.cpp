// CPU reference of the watershed family. It computes the same definition as the GPU (flood
// level, then the order of arrival within the level, then parents; see kernels/
// watershed.cuh) with exact sequential algorithms: a priority flood for the levels, then the
// levels in rising order, each by a breadth-first search from its entries; breadth-first
// searches for the minima.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <queue>
#include <tuple>
#include <utility>
#include <vector>

#include "dtype_dispatch.hpp"
#include "watershed_backends.hpp"

namespace medkern::cpu {

namespace {

constexpr uint32_t kUnreached = 0xffffffffu;
constexpr int64_t kNoParent = -1;

// The in-volume neighbours of a voxel as linear indices, in neighbourhood order.
class Grid {
 public:
  Grid(const Shape3& shape, const FullNeighbourhood& neighbours)
      : nz_(shape[0]), ny_(shape[1]), nx_(shape[2]), neighbours_(neighbours) {
    for (int n = 0; n < neighbours.count; ++n) {
      offsets_[n] = (neighbours.dz[n] * ny_ + neighbours.dy[n]) * nx_ + neighbours.dx[n];
    }
  }

  int64_t size() const { return nz_ * ny_ * nx_; }

  template <class Visit>
  void for_each_neighbour(int64_t i, Visit&& visit) const {
    const int64_t x = i % nx_, y = i / nx_ % ny_, z = i / (nx_ * ny_);
    if (x > 0 && x < nx_ - 1 && y > 0 && y < ny_ - 1 && z > 0 && z < nz_ - 1) {
      // Away from the border every neighbour is in the volume.
      for (int n = 0; n < neighbours_.count; ++n) visit(i + offsets_[n]);
      return;
    }
    for (int n = 0; n < neighbours_.count; ++n) {
      const int64_t zz = z + neighbours_.dz[n], yy = y + neighbours_.dy[n],
                    xx = x + neighbours_.dx[n];
      if (zz < 0 || zz >= nz_ || yy < 0 || yy >= ny_ || xx < 0 || xx >= nx_) continue;
      visit((zz * ny_ + yy) * nx_ + xx);
    }
  }

 private:
  int64_t nz_, ny_, nx_;
  const FullNeighbourhood& neighbours_;
  int64_t offsets_[26]{};
};

// The flood level of every voxel: the lowest possible highest elevation on a path from a
// marker to it (minimax path cost), by a priority flood; kUnreached where no path exists.
// `by_level` receives the reached voxels in the order their levels became final, which is
// rising level.
std::vector<uint32_t> flood_levels(const Grid& grid, const uint32_t* keys, const int32_t* markers,
                                   std::vector<int64_t>& by_level) {
  std::vector<uint32_t> level(grid.size(), kUnreached);
  using Entry = std::pair<uint32_t, int64_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue;
  for (int64_t i = 0; i < grid.size(); ++i) {
    if (markers[i] != 0 && keys[i] != kBlockedKey) {
      level[i] = keys[i];
      queue.push({keys[i], i});
    }
  }
  while (!queue.empty()) {
    // Plain variables, not a structured binding: C++17 does not let a lambda capture one.
    const uint32_t l = queue.top().first;
    const int64_t i = queue.top().second;
    queue.pop();
    if (l != level[i]) continue;  // an outdated entry
    by_level.push_back(i);        // once: a voxel is queued only with lower and lower levels
    grid.for_each_neighbour(i, [&](int64_t j) {
      if (keys[j] == kBlockedKey) return;
      const uint32_t candidate = std::max(keys[j], l);
      if (candidate < level[j]) {
        level[j] = candidate;
        queue.push({candidate, j});
      }
    });
  }
  return level;
}

// The order in which the flood reaches the voxels of one level, as sortable keys compared
// after the level (kernels/watershed.cuh has the definition and the encodings):
//   arrival: the steps from the nearest entry of the level (a marker, or a voxel with a
//     neighbour of lower level), then the level from which that entry was entered;
//   via: the arrival of the lower voxel that entry was entered from;
//   via_steps: the steps half of that lower voxel's own via.
// An entry takes its keys from its lower neighbour of least (level, arrival, via,
// via_steps), any other voxel the least (arrival + one step, via, via_steps) of its
// neighbours of its level.
constexpr uint64_t kNoArrival = ~uint64_t(0);
constexpr uint64_t kStep = uint64_t(1) << 32;  // one step; the low half: entered from
constexpr uint32_t kNoSteps = ~uint32_t(0);

struct FloodOrder {
  std::vector<uint32_t> level;
  std::vector<uint64_t> arrival, via;
  std::vector<uint32_t> via_steps;

  explicit FloodOrder(std::vector<uint32_t> levels)
      : level(std::move(levels)),
        arrival(level.size(), kNoArrival),
        via(level.size(), kNoArrival),
        via_steps(level.size(), kNoSteps) {}

  using Keys = std::tuple<uint64_t, uint64_t, uint32_t>;  // compared lexicographically
  Keys keys_of(int64_t i) const { return {arrival[i], via[i], via_steps[i]}; }
  // The keys that a neighbour of i's level continuing i's path would take.
  Keys one_step_after(int64_t i) const { return {arrival[i] + kStep, via[i], via_steps[i]}; }
  void set_keys(int64_t i, const Keys& k) { std::tie(arrival[i], via[i], via_steps[i]) = k; }
};

// Labels every voxel by the definition: the levels in rising order (`by_level`); in each,
// first the entries, which take their keys and their label from their parent, the lower
// neighbour of least (level, keys), then breadth-first from them the other voxels of the
// level. Breadth-first order reaches all voxels of one step count before the next, so a
// voxel's keys are final when it leaves the queue, and so are those of all its neighbours of
// one step less: among them, its parent is the first that its keys continue.
void watershed_by_levels(const Grid& grid, const uint32_t* keys, const int32_t* markers,
                         int32_t* labels) {
  std::vector<int64_t> by_level;
  FloodOrder order(flood_levels(grid, keys, markers, by_level));
  const std::vector<uint32_t>& level = order.level;
  std::fill(labels, labels + grid.size(), 0);  // no marker reaches the rest
  std::vector<int64_t> queue;
  for (std::size_t begin = 0; begin < by_level.size();) {
    const uint32_t current = level[by_level[begin]];
    std::size_t end = begin;
    while (end < by_level.size() && level[by_level[end]] == current) ++end;
    queue.clear();
    for (std::size_t k = begin; k < end; ++k) {
      const int64_t i = by_level[k];
      if (markers[i] != 0) {  // keys 0: before all
        order.set_keys(i, {0, 0, 0});
        labels[i] = markers[i];
        queue.push_back(i);
        continue;
      }
      int64_t parent = kNoParent;
      grid.for_each_neighbour(i, [&](int64_t j) {
        if (level[j] < current &&
            (parent == kNoParent || std::make_tuple(level[j], order.keys_of(j)) <
                                        std::make_tuple(level[parent], order.keys_of(parent)))) {
          parent = j;
        }
      });
      if (parent == kNoParent) continue;  // not an entry
      // Entered from level[parent]: after the markers, and level + 1 < kUnreached.
      order.set_keys(i, {uint64_t(level[parent]) + 1, order.arrival[parent],
                         uint32_t(order.via[parent] >> 32)});
      labels[i] = labels[parent];
      queue.push_back(i);
    }
    const std::size_t entries = queue.size();
    for (std::size_t head = 0; head < queue.size(); ++head) {
      const int64_t i = queue[head];
      if (head >= entries) {
        const FloodOrder::Keys previous{order.arrival[i] - kStep, order.via[i], order.via_steps[i]};
        int64_t parent = kNoParent;
        grid.for_each_neighbour(i, [&](int64_t j) {
          if (parent == kNoParent && level[j] == current && order.keys_of(j) == previous)
            parent = j;
        });
        labels[i] = labels[parent];
      }
      const FloodOrder::Keys next = order.one_step_after(i);
      grid.for_each_neighbour(i, [&](int64_t j) {
        if (level[j] != current || order.keys_of(j) <= next) return;
        if (order.arrival[j] == kNoArrival) queue.push_back(j);
        order.set_keys(j, next);
      });
    }
    begin = end;
  }
}

// scikit-image's flood with watershed lines (version 0.26), step for step. The queue holds
// (level, insertion order); a voxel takes its flood's label when it leaves the queue, unless
// an open neighbour already carries another label: then it is closed as part of a line,
// keeps 0, and still passes its flood on. Markers enter first, at their own elevation, in
// raster order.
void watershed_with_lines(const Grid& grid, const uint32_t* keys, const int32_t* markers,
                          int32_t* labels) {
  struct Entry {
    uint32_t level;
    uint64_t age;
    int64_t index;
    int64_t source;
    bool operator>(const Entry& other) const {
      if (level != other.level) return level > other.level;
      if (age != other.age) return age > other.age;
      return index > other.index;
    }
  };
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue;
  std::vector<uint8_t> open(grid.size());
  for (int64_t i = 0; i < grid.size(); ++i) {
    open[i] = keys[i] != kBlockedKey;
    labels[i] = open[i] ? markers[i] : 0;
    if (open[i] && markers[i] != 0) queue.push({keys[i], 0, i, i});
  }
  auto closes_as_line = [&](int64_t i, int32_t label) {
    if (!open[i]) return true;
    bool other = false;
    grid.for_each_neighbour(
        i, [&](int64_t j) { other = other || (open[j] && labels[j] != 0 && labels[j] != label); });
    if (other) open[i] = 0;
    return other;
  };
  uint64_t age = 1;
  while (!queue.empty()) {
    const Entry e = queue.top();
    queue.pop();
    if (labels[e.index] != 0 && e.index != e.source) continue;  // reached before
    const int32_t label = labels[e.source];
    if (!closes_as_line(e.index, label)) labels[e.index] = label;
    grid.for_each_neighbour(e.index, [&](int64_t j) {
      if (!open[j] || labels[j] != 0) return;
      queue.push({std::max(keys[j], e.level), ++age, j, e.source});
    });
  }
}

template <class T>
void elevation_keys_typed(const Context& context, const VolumeView<const T>& elevation,
                          const VolumeRef* mask, uint32_t* keys) {
  const int64_t nz = elevation.shape[0], ny = elevation.shape[1], nx = elevation.shape[2];
  const VolumeView<const uint8_t> inside =
      mask != nullptr ? mask->as<const uint8_t>("mask") : VolumeView<const uint8_t>{};
#pragma omp parallel for collapse(2) schedule(static) num_threads(context.num_threads())
  for (int64_t z = 0; z < nz; ++z) {
    for (int64_t y = 0; y < ny; ++y) {
      for (int64_t x = 0; x < nx; ++x) {
        const bool flooded = mask == nullptr || inside(z, y, x) != 0;
        keys[(z * ny + y) * nx + x] = flooded ? elevation_key(elevation(z, y, x)) : kBlockedKey;
      }
    }
  }
}

}  // namespace

void elevation_keys(const Context& context, const VolumeRef& elevation, const VolumeRef* mask,
                    uint32_t* keys) {
  visit_image_dtype(elevation.dtype, [&](auto type) {
    using T = decltype(type);
    elevation_keys_typed<T>(context, elevation.as<const T>(), mask, keys);
  });
}

void watershed(const Context&, const Shape3& shape, const uint32_t* keys, const int32_t* markers,
               const FullNeighbourhood& neighbours, bool watershed_line, int32_t* labels) {
  const Grid grid(shape, neighbours);
  if (watershed_line) {
    watershed_with_lines(grid, keys, markers, labels);
  } else {
    watershed_by_levels(grid, keys, markers, labels);
  }
}

void regional_minima(const Context&, const Shape3& shape, const uint32_t* keys,
                     const FullNeighbourhood& neighbours, uint8_t* minima) {
  const Grid grid(shape, neighbours);
  // A voxel with a lower neighbour is no minimum, nor is any voxel of its plateau: spread
  // that breadth-first over equal values.
  std::vector<int64_t> queue;
  for (int64_t i = 0; i < grid.size(); ++i) {
    bool lower = keys[i] == kBlockedKey;
    grid.for_each_neighbour(i, [&](int64_t j) { lower = lower || keys[j] < keys[i]; });
    minima[i] = lower ? 0 : 1;
    if (lower) queue.push_back(i);
  }
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const int64_t i = queue[head];
    grid.for_each_neighbour(i, [&](int64_t j) {
      if (minima[j] != 0 && keys[j] == keys[i]) {
        minima[j] = 0;
        queue.push_back(j);
      }
    });
  }
}

}  // namespace medkern::cpu
