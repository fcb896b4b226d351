// CPU reference of the watershed family. It computes the same three-step definition as the
// GPU (flood level, distance within the level, first-neighbour parent; see kernels/
// watershed.cuh), each step with an exact sequential algorithm: a priority flood for the
// levels and breadth-first searches for the distances and the minima.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <queue>
#include <vector>

#include "backends.hpp"
#include "dtype_dispatch.hpp"

namespace medkern::cpu {

namespace {

constexpr uint32_t kUnreached = 0xffffffffu;
constexpr int32_t kNoParent = -1;

// The in-volume neighbours of a voxel as linear indices, in neighbourhood order.
class Grid {
 public:
  Grid(const Shape3& shape, const FullNeighbourhood& neighbours)
      : nz_(shape[0]), ny_(shape[1]), nx_(shape[2]), neighbours_(neighbours) {}

  int64_t size() const { return nz_ * ny_ * nx_; }

  template <class Visit>
  void for_each_neighbour(int64_t i, Visit&& visit) const {
    const int64_t x = i % nx_, y = i / nx_ % ny_, z = i / (nx_ * ny_);
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
};

// The flood level of every voxel: the lowest possible highest elevation on a path from a
// marker to it (minimax path cost), by a priority flood; kUnreached where no path exists.
std::vector<uint32_t> flood_levels(const Grid& grid, const uint32_t* keys, const int32_t* markers) {
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
    const auto [l, i] = queue.top();
    queue.pop();
    if (l != level[i]) continue;  // an outdated entry
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

// Which flood reaches a voxel first within its level, as a sortable key: the steps from the
// nearest "entry" of the level (a marker, or a voxel with a neighbour of lower level), then
// the level from which that entry was entered (lower first: that flood was there earlier).
// Breadth-first from all entries, inside equal levels.
constexpr uint64_t kNoArrival = ~uint64_t(0);

uint64_t arrival_key(uint32_t steps, uint32_t entered_from) {
  return uint64_t(steps) << 32 | entered_from;
}

std::vector<uint64_t> arrivals(const Grid& grid, const std::vector<uint32_t>& level,
                               const int32_t* markers) {
  std::vector<uint64_t> arrival(grid.size(), kNoArrival);
  std::vector<int64_t> queue;
  for (int64_t i = 0; i < grid.size(); ++i) {
    if (level[i] == kUnreached) continue;
    const bool marker = markers[i] != 0;
    uint32_t lowest = level[i];
    grid.for_each_neighbour(i, [&](int64_t j) { lowest = std::min(lowest, level[j]); });
    if (marker || lowest < level[i]) {
      arrival[i] = arrival_key(0, marker ? 0 : lowest);  // markers start before all
      queue.push_back(i);
    }
  }
  // Breadth-first order visits all voxels of one step count before the next, so each
  // voxel's key is final before it spreads.
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const int64_t i = queue[head];
    const uint64_t next = arrival[i] + (uint64_t(1) << 32);
    grid.for_each_neighbour(i, [&](int64_t j) {
      if (level[j] != level[i] || arrival[j] <= next) return;
      if (arrival[j] == kNoArrival) queue.push_back(j);
      arrival[j] = next;
    });
  }
  return arrival;
}

// Each voxel's parent (kernels/watershed.cuh, pick_parents, is the same rule): a marker is
// its own root; an entry points to its neighbour of lowest (level, arrival); any other
// reached voxel to its neighbour of equal level whose arrival key it continues; ties go to
// the first neighbour in neighbourhood order.
int64_t parent_of(const Grid& grid, int64_t i, const std::vector<uint32_t>& level,
                  const std::vector<uint64_t>& arrival, const int32_t* markers) {
  if (level[i] == kUnreached) return kNoParent;
  if (markers[i] != 0) return i;
  int64_t parent = kNoParent;
  if (arrival[i] >> 32 == 0) {
    // The lower neighbour that the flood reached first: lowest level, then earliest arrival.
    uint32_t lowest = level[i];
    uint64_t earliest = kNoArrival;
    grid.for_each_neighbour(i, [&](int64_t j) {
      if (level[j] < lowest || (level[j] == lowest && arrival[j] < earliest)) {
        lowest = level[j];
        earliest = arrival[j];
        parent = j;
      }
    });
  } else {
    const uint64_t previous = arrival[i] - (uint64_t(1) << 32);
    grid.for_each_neighbour(i, [&](int64_t j) {
      if (parent == kNoParent && level[j] == level[i] && arrival[j] == previous) parent = j;
    });
  }
  return parent;
}

void watershed_by_levels(const Grid& grid, const uint32_t* keys, const int32_t* markers,
                         int32_t* labels) {
  const std::vector<uint32_t> level = flood_levels(grid, keys, markers);
  const std::vector<uint64_t> arrival = arrivals(grid, level, markers);
  // Parents always have a smaller (level, distance), so following them ends at a marker.
  constexpr int32_t kUnresolved = std::numeric_limits<int32_t>::min();
  std::fill(labels, labels + grid.size(), kUnresolved);
  std::vector<int64_t> path;
  for (int64_t i = 0; i < grid.size(); ++i) {
    int64_t v = i;
    while (labels[v] == kUnresolved) {
      const int64_t parent = parent_of(grid, v, level, arrival, markers);
      if (parent == kNoParent) {
        labels[v] = 0;
      } else if (parent == v) {
        labels[v] = markers[v];
      } else {
        path.push_back(v);
        v = parent;
      }
    }
    for (const int64_t p : path) labels[p] = labels[v];
    path.clear();
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
