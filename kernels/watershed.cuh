// Device code of the watershed family.
//
// The watershed is computed as fields, each the unique fixed point of a local min-relaxation
// (or a pointwise function of fields before it), so the order in which threads see each
// other's updates cannot change the result, and the CPU (src/cpu/watershed.cpp) reaches the
// same fields sequentially:
//   1. level: the lowest possible highest elevation on a path from a marker (the water
//      level at which the flood reaches the voxel): level = min(level, max(key, level_q)).
//   2. arrival: within the voxel's level, (steps from the nearest entry, the level the entry
//      was entered from), as one sortable 64-bit key; entries are markers and voxels with a
//      lower-level neighbour. This is the order in which scikit-image's queue (level, then
//      insertion order) reaches the voxels of one level, up to ties.
//   3. via: the arrival of the lower voxel through which the entry was entered (for an
//      entry: the least arrival among its neighbours of the lowest level), carried along
//      the arrivals: a voxel takes the least via of its predecessors, its neighbours of its
//      level one step nearer the entries.
//   4. via_steps: the steps half of that lower voxel's own via (for an entry: the least
//      among those neighbours of the lowest level whose arrival is the entry's via),
//      carried along the predecessors that have the voxel's via.
//   Together (arrival, via, via_steps) is scikit-image's queue order more closely: its heap
//   pops the entries of a level in the order their lower neighbours were popped, and each
//   wave inherits that order ("K2" in bench/watershed_tie_rules.py; docs/ops.md).
//   5. parent: an entry's lower neighbour of least (level, arrival, via, via_steps), any
//      other voxel's first predecessor with its via and via_steps (whose keys it continues),
//      the first in neighbourhood order on ties; following parents ends at a marker, whose
//      label the voxel takes.
// Encodings: arrival = steps << 32 | (entered-from level + 1), markers 0 (before every entry,
// also one entered from level 0; a level is below kUnreached, so + 1 stays in the low half).
// A marker's via and via_steps are 0: they are compared only among voxels of equal arrival,
// and arrival 0 belongs to the markers alone, so any constant keeps the order.
// Where elevations are distinct, every level region has a single entry (the pass through
// which the flood arrived), so this is exactly the priority flood of scikit-image.
// Relaxations run tile by tile in shared memory until the tile settles, then tile against
// tile through global memory, in place, each pass over the tiles whose halo changed in the
// one before, until no tile changes.
#pragma once

#include <cstdint>
#include <cuda/atomic>

#include "watershed_backends.hpp"

namespace medkern::cuda::kernels {

constexpr uint32_t kUnreached = 0xffffffffu;
constexpr uint64_t kNoArrival = ~uint64_t(0);
constexpr uint64_t kArrivalStep = uint64_t(1) << 32;  // one step; the low half: entered from
constexpr uint64_t kNoVia = ~uint64_t(0);
constexpr uint32_t kNoViaSteps = 0xffffffffu;

// The level an entry that is no marker was entered from, out of its arrival key.
__device__ inline uint32_t entered_from(uint64_t entry_arrival) {
  return uint32_t(entry_arrival) - 1u;
}

// The index of the offset opposite to offset n in a FullNeighbourhood: the offsets are a
// centrally symmetric set in raster order, which negation reverses.
__device__ inline int opposite_neighbour(const FullNeighbourhood& neighbours, int n) {
  return neighbours.count - 1 - n;
}

// The extent of the volume (its own name: labeling.cuh has a Dims of another layout in this
// namespace).
struct VolumeDims {
  int32_t nz, ny, nx;
};

// The tile one block relaxes, with a one-voxel halo read from its neighbours.
struct RelaxTile {
  static constexpr int kZ = 8, kY = 8, kX = 8;
  static constexpr int kThreads = kZ * kY * kX;
  static constexpr int kHaloZ = kZ + 2, kHaloY = kY + 2, kHaloX = kX + 2;
  static constexpr int kHaloVoxels = kHaloZ * kHaloY * kHaloX;
  // Sweeps inside a tile before its state goes back to global memory; a tile that has not
  // settled by then carries on in the next global pass.
  static constexpr int kMaxSweeps = 64;
};

// The relaxations: new state = min(state, candidate(q) over the neighbours q), where
// `aux` is a fixed per-voxel quantity (kOutsideAux beyond the volume), kNone the state of
// no information, and n the index of q in the voxel's neighbourhood (FullNeighbourhood
// order).
struct FloodLevel {  // state: level, aux: elevation key
  using State = uint32_t;
  static constexpr State kNone = kUnreached;
  static constexpr uint32_t kOutsideAux = kBlockedKey;
  __device__ static State candidate(uint32_t aux, State q_state, uint32_t, int) {
    return max(aux, q_state);
  }
};
struct Arrival {  // state: arrival key, aux: level
  using State = uint64_t;
  static constexpr State kNone = kNoArrival;
  static constexpr uint32_t kOutsideAux = kUnreached;
  __device__ static State candidate(uint32_t aux, State q_state, uint32_t q_aux, int) {
    return q_aux == aux && q_state != kNoArrival ? q_state + kArrivalStep : kNoArrival;
  }
};
// A key carried along the arrivals (via, via_steps). State: the key; aux: bit n set where
// neighbour n is a predecessor that the key comes from (init_vias, init_via_steps). Entries
// have no such bit and keep their initial key; out-of-volume neighbours never have one.
template <class Key>
struct AlongPredecessors {
  using State = Key;
  static constexpr State kNone = ~State(0);
  static constexpr uint32_t kOutsideAux = 0;
  __device__ static State candidate(uint32_t aux, State q_state, uint32_t, int n) {
    return (aux >> n & 1u) != 0 ? q_state : kNone;
  }
};
using Via = AlongPredecessors<uint64_t>;
using ViaSteps = AlongPredecessors<uint32_t>;
static_assert(Via::kNone == kNoVia && ViaSteps::kNone == kNoViaSteps);
struct MinimumFlag {  // state: 1 while the voxel may be a minimum, aux: elevation key
  using State = uint32_t;
  static constexpr State kNone = kUnreached;
  static constexpr uint32_t kOutsideAux = kBlockedKey;
  __device__ static State candidate(uint32_t aux, State q_state, uint32_t q_aux, int) {
    return q_aux == aux ? q_state : 1u;
  }
};

template <class T>
__global__ void make_elevation_keys(const T* __restrict__ elevation,
                                    const uint8_t* __restrict__ mask, uint32_t* __restrict__ keys,
                                    int64_t count) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    keys[i] = mask != nullptr && mask[i] == 0 ? kBlockedKey : elevation_key(elevation[i]);
  }
}

__global__ void init_levels(const uint32_t* __restrict__ keys, const int32_t* __restrict__ markers,
                            uint32_t* __restrict__ levels, int64_t count) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    levels[i] = markers[i] != 0 ? keys[i] : kUnreached;  // a blocked key is kUnreached too
  }
}

__device__ inline int64_t linear_index(const VolumeDims& d, int32_t z, int32_t y, int32_t x) {
  return (int64_t(z) * d.ny + y) * d.nx + x;
}

__device__ inline bool inside(const VolumeDims& d, int32_t z, int32_t y, int32_t x) {
  return z >= 0 && z < d.nz && y >= 0 && y < d.ny && x >= 0 && x < d.nx;
}

// Global state is read and written in place by many blocks at once (a block's halo is its
// neighbours' tiles): relaxed atomics make that race-free, and since every write only lowers
// a value towards the unique fixed point, reading the old or the new value is equally right.
template <class State>
__device__ inline State load_state(State* state, int64_t i) {
  return ::cuda::atomic_ref<State, ::cuda::thread_scope_device>(state[i]).load(
      ::cuda::memory_order_relaxed);
}
template <class State>
__device__ inline void store_state(State* state, int64_t i, State value) {
  ::cuda::atomic_ref<State, ::cuda::thread_scope_device>(state[i]).store(
      value, ::cuda::memory_order_relaxed);
}

// Bit of tile offset (dz, dy, dx), each in -1..1, in a 3x3x3 cube of tiles; 13 is the tile.
__device__ inline uint32_t tile_bit(int dz, int dy, int dx) {
  return 1u << ((dz + 1) * 9 + (dy + 1) * 3 + dx + 1);
}

// -1, 0 or 1: whether tile coordinate c lies before, in or after a tile of `size`.
__device__ inline int tile_side(int c, int size) {
  return c < 0 ? -1 : c >= size ? 1 : 0;
}

// One block relaxes one tile of the work list `tiles` (`count` of them): reads state and aux
// of the tile and its halo, sweeps in shared memory (Jacobi, two buffers, so no thread reads
// a value another is writing) until the tile settles, and writes the voxels that changed
// back in place. A neighbouring tile goes on the next list when a changed voxel lowers one
// of its voxels (as last read into the halo), and the tile itself when it did not settle;
// `queued` keeps a tile from going on it twice. A pass that lists no tile has reached the
// fixed point. (Listing every tile next to a changed voxel instead kept nearly all tiles busy
// in every pass, most of them finding nothing to do.) Blocks read what the blocks before them
// wrote, so a pass carries a flood far in its order: `backwards` passes take the list from
// its end.
template <class Rule, class State = typename Rule::State>
__global__ void __launch_bounds__(RelaxTile::kThreads)
    relax_tiles(const uint32_t* __restrict__ aux, State* state, VolumeDims dims,
                FullNeighbourhood neighbours, const int32_t* __restrict__ tiles, int32_t count,
                int32_t* __restrict__ next_tiles, int32_t* next_count, uint32_t* queued,
                bool backwards) {
  using Tile = RelaxTile;
  const int32_t tile = tiles[backwards ? count - 1 - int32_t(blockIdx.x) : int32_t(blockIdx.x)];
  __shared__ uint32_t tile_aux[Tile::kHaloVoxels];
  __shared__ State buffers[2][Tile::kHaloVoxels];
  __shared__ uint32_t to_wake;  // tile_bit()s of the tiles to list
  const int32_t tiles_x = (dims.nx + Tile::kX - 1) / Tile::kX;
  const int32_t tiles_y = (dims.ny + Tile::kY - 1) / Tile::kY;
  const int32_t tiles_z = (dims.nz + Tile::kZ - 1) / Tile::kZ;
  const int32_t tile_z = tile / (tiles_x * tiles_y);
  const int32_t tile_y = tile / tiles_x % tiles_y;
  const int32_t tile_x = tile % tiles_x;
  const int32_t z0 = tile_z * Tile::kZ, y0 = tile_y * Tile::kY, x0 = tile_x * Tile::kX;
  if (threadIdx.x == 0) {
    to_wake = 0;
    // Off the list before the halo is read: a neighbour that changes after this lists the
    // tile again; one that changed before is in the halo. The fences order the flag against
    // the state on both sides (see the listing below).
    atomicExch(queued + tile, 0u);
    __threadfence();
  }
  __syncthreads();
  for (int h = threadIdx.x; h < Tile::kHaloVoxels; h += Tile::kThreads) {
    const int32_t z = z0 - 1 + h / (Tile::kHaloY * Tile::kHaloX);
    const int32_t y = y0 - 1 + h / Tile::kHaloX % Tile::kHaloY;
    const int32_t x = x0 - 1 + h % Tile::kHaloX;
    const bool in = inside(dims, z, y, x);
    const int64_t g = in ? linear_index(dims, z, y, x) : 0;
    tile_aux[h] = in ? aux[g] : Rule::kOutsideAux;
    buffers[0][h] = buffers[1][h] = in ? load_state(state, g) : Rule::kNone;
  }
  __syncthreads();
  const int tz = threadIdx.x / (Tile::kY * Tile::kX), ty = threadIdx.x / Tile::kX % Tile::kY,
            tx = threadIdx.x % Tile::kX;
  const int h = ((tz + 1) * Tile::kHaloY + ty + 1) * Tile::kHaloX + tx + 1;
  const bool own = inside(dims, z0 + tz, y0 + ty, x0 + tx);
  const uint32_t my_aux = tile_aux[h];
  const State initial = buffers[0][h];
  int current = 0;
  bool settled = false;
  for (int sweep = 0; sweep < Tile::kMaxSweeps && !settled; ++sweep) {
    const State* from = buffers[current];
    State best = from[h];
    if (own) {
      for (int n = 0; n < neighbours.count; ++n) {
        const int q = h + (neighbours.dz[n] * Tile::kHaloY + neighbours.dy[n]) * Tile::kHaloX +
                      neighbours.dx[n];
        best = min(best, Rule::candidate(my_aux, from[q], tile_aux[q], n));
      }
      buffers[1 - current][h] = best;
    }
    const bool moved = best != from[h];
    current = 1 - current;
    settled = !__syncthreads_or(moved);
  }
  const State final_state = buffers[current][h];
  if (own && final_state != initial) {
    store_state(state, linear_index(dims, z0 + tz, y0 + ty, x0 + tx), final_state);
    // Halo entries are never written after the load, so these reads race with nothing.
    const State* now = buffers[current];
    uint32_t bits = 0;
    for (int n = 0; n < neighbours.count; ++n) {
      const int side_z = tile_side(tz + neighbours.dz[n], Tile::kZ);
      const int side_y = tile_side(ty + neighbours.dy[n], Tile::kY);
      const int side_x = tile_side(tx + neighbours.dx[n], Tile::kX);
      if (side_z == 0 && side_y == 0 && side_x == 0) continue;
      const int q = h + (neighbours.dz[n] * Tile::kHaloY + neighbours.dy[n]) * Tile::kHaloX +
                    neighbours.dx[n];
      // This voxel is neighbour opposite_neighbour(n) of q.
      if (Rule::candidate(tile_aux[q], final_state, my_aux, opposite_neighbour(neighbours, n)) <
          now[q]) {
        bits |= tile_bit(side_z, side_y, side_x);
      }
    }
    if (bits != 0) atomicOr(&to_wake, bits);
  }
  if (!settled && threadIdx.x == 0) atomicOr(&to_wake, tile_bit(0, 0, 0));
  // The stores above are visible before any tile is listed.
  __threadfence();
  __syncthreads();
  const uint32_t wake = to_wake;
  if (threadIdx.x < 27 && (wake >> threadIdx.x) & 1) {
    const int32_t nz = tile_z + int32_t(threadIdx.x) / 9 - 1;
    const int32_t ny = tile_y + int32_t(threadIdx.x) / 3 % 3 - 1;
    const int32_t nx = tile_x + int32_t(threadIdx.x) % 3 - 1;
    if (nz >= 0 && nz < tiles_z && ny >= 0 && ny < tiles_y && nx >= 0 && nx < tiles_x) {
      const int32_t t = (nz * tiles_y + ny) * tiles_x + nx;
      if (atomicExch(queued + t, 1u) == 0) next_tiles[atomicAdd(next_count, 1)] = t;
    }
  }
}

// tiles[i] = i: the first pass visits every tile.
__global__ void list_all_tiles(int32_t* __restrict__ tiles, uint32_t* __restrict__ queued,
                               int32_t count) {
  for (int32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += gridDim.x * blockDim.x) {
    tiles[i] = i;
    queued[i] = 1;
  }
}

// Calls visit(n, j) for the in-volume neighbours j of voxel i, in neighbourhood order.
template <class Visit>
__device__ inline void for_each_neighbour(const VolumeDims& d, const FullNeighbourhood& neighbours,
                                          int64_t i, Visit&& visit) {
  const int32_t x = int32_t(i % d.nx), y = int32_t(i / d.nx % d.ny),
                z = int32_t(i / (int64_t(d.nx) * d.ny));
  for (int n = 0; n < neighbours.count; ++n) {
    const int32_t zz = z + neighbours.dz[n], yy = y + neighbours.dy[n], xx = x + neighbours.dx[n];
    if (inside(d, zz, yy, xx)) visit(n, linear_index(d, zz, yy, xx));
  }
}

// The arrival keys of the entries of each level (markers, voxels with a lower-level
// neighbour); kNoArrival elsewhere, for the relaxation to fill.
__global__ void init_arrivals(const uint32_t* __restrict__ levels,
                              const int32_t* __restrict__ markers, uint64_t* __restrict__ arrivals,
                              VolumeDims dims, FullNeighbourhood neighbours) {
  const int64_t count = int64_t(dims.nz) * dims.ny * dims.nx;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    const uint32_t level = levels[i];
    uint64_t arrival = kNoArrival;
    if (level != kUnreached) {
      uint32_t lowest = level;
      for_each_neighbour(dims, neighbours, i,
                         [&](int, int64_t j) { lowest = min(lowest, levels[j]); });
      if (markers[i] != 0) {
        arrival = 0;  // markers start before all
      } else if (lowest < level) {
        arrival = uint64_t(lowest) + 1;  // after the markers; see entered_from
      }
    }
    arrivals[i] = arrival;
  }
}

// The fields of the header comment, for the pointwise kernels that read them.
struct FloodFields {
  const uint32_t* levels;
  const uint64_t* arrivals;
  const uint64_t* vias;       // null before they are computed
  const uint32_t* via_steps;  // null before they are computed

  // Whether neighbour j of voxel i is one step nearer i's entries on i's level.
  __device__ bool predecessor(int64_t j, int64_t i) const {
    return levels[j] == levels[i] && arrivals[j] + kArrivalStep == arrivals[i];
  }
  // Whether voxel j comes before voxel k: (level, arrival, via, via_steps) in lexicographic
  // order.
  __device__ bool earlier(int64_t j, int64_t k) const {
    if (levels[j] != levels[k]) return levels[j] < levels[k];
    if (arrivals[j] != arrivals[k]) return arrivals[j] < arrivals[k];
    if (vias[j] != vias[k]) return vias[j] < vias[k];
    return via_steps[j] < via_steps[k];
  }
};

// The vias of the markers (0) and of the other entries (the least arrival among their
// neighbours of the level they were entered from), kNoVia elsewhere for the relaxation to
// fill; and for those others their predecessor bits (AlongPredecessors): the neighbours of
// their level one step nearer the entries. Reads levels and arrivals.
__global__ void init_vias(FloodFields fields, const int32_t* __restrict__ markers,
                          uint64_t* __restrict__ vias, uint32_t* __restrict__ predecessors,
                          VolumeDims dims, FullNeighbourhood neighbours) {
  const int64_t count = int64_t(dims.nz) * dims.ny * dims.nx;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    const uint64_t arrival = fields.arrivals[i];
    uint64_t via = kNoVia;
    uint32_t bits = 0;
    if (fields.levels[i] == kUnreached) {
      // no marker reaches it
    } else if (markers[i] != 0) {
      via = 0;
    } else if (arrival < kArrivalStep) {  // an entry
      const uint32_t lower = entered_from(arrival);
      for_each_neighbour(dims, neighbours, i, [&](int, int64_t j) {
        if (fields.levels[j] == lower) via = min(via, fields.arrivals[j]);
      });
    } else {
      for_each_neighbour(dims, neighbours, i, [&](int n, int64_t j) {
        if (fields.predecessor(j, i)) bits |= 1u << n;
      });
    }
    vias[i] = via;
    predecessors[i] = bits;
  }
}

// As init_vias for the via_steps: markers 0; other entries the least via steps among their
// neighbours of the level they were entered from whose arrival is the entry's via;
// kNoViaSteps elsewhere, with the predecessors that have the voxel's via. Reads levels,
// arrivals and vias.
__global__ void init_via_steps(FloodFields fields, const int32_t* __restrict__ markers,
                               uint32_t* __restrict__ via_steps,
                               uint32_t* __restrict__ predecessors, VolumeDims dims,
                               FullNeighbourhood neighbours) {
  const int64_t count = int64_t(dims.nz) * dims.ny * dims.nx;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    const uint64_t arrival = fields.arrivals[i];
    const uint64_t via = fields.vias[i];
    uint32_t steps = kNoViaSteps;
    uint32_t bits = 0;
    if (fields.levels[i] == kUnreached) {
      // no marker reaches it
    } else if (markers[i] != 0) {
      steps = 0;
    } else if (arrival < kArrivalStep) {  // an entry
      const uint32_t lower = entered_from(arrival);
      for_each_neighbour(dims, neighbours, i, [&](int, int64_t j) {
        if (fields.levels[j] == lower && fields.arrivals[j] == via) {
          steps = min(steps, uint32_t(fields.vias[j] >> 32));
        }
      });
    } else {
      for_each_neighbour(dims, neighbours, i, [&](int n, int64_t j) {
        if (fields.predecessor(j, i) && fields.vias[j] == via) bits |= 1u << n;
      });
    }
    via_steps[i] = steps;
    predecessors[i] = bits;
  }
}

// The parent rule of the header comment; -1 for voxels no marker reaches. Reads all fields.
__global__ void pick_parents(FloodFields fields, const int32_t* __restrict__ markers,
                             int32_t* __restrict__ parents, VolumeDims dims,
                             FullNeighbourhood neighbours) {
  const int64_t count = int64_t(dims.nz) * dims.ny * dims.nx;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    const uint32_t level = fields.levels[i];
    int64_t parent = -1;
    if (level == kUnreached) {
      // no marker reaches it
    } else if (markers[i] != 0) {
      parent = i;
    } else if (fields.arrivals[i] < kArrivalStep) {  // an entry: its earliest lower neighbour
      for_each_neighbour(dims, neighbours, i, [&](int, int64_t j) {
        if (fields.levels[j] < level && (parent < 0 || fields.earlier(j, parent))) parent = j;
      });
    } else {
      const uint64_t via = fields.vias[i];
      const uint32_t steps = fields.via_steps[i];
      for_each_neighbour(dims, neighbours, i, [&](int, int64_t j) {
        if (parent < 0 && fields.predecessor(j, i) && fields.vias[j] == via &&
            fields.via_steps[j] == steps) {
          parent = j;
        }
      });
    }
    parents[i] = int32_t(parent);
  }
}

// One step of pointer jumping: out = parent of the parent (roots point to themselves).
__global__ void jump_parents(const int32_t* __restrict__ in, int32_t* __restrict__ out,
                             int64_t count, int* changed) {
  bool moved = false;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int32_t parent = in[i];
    const int32_t grandparent = parent >= 0 ? in[parent] : parent;
    out[i] = grandparent;
    moved = moved || grandparent != parent;
  }
  if (__syncthreads_or(moved) && threadIdx.x == 0) atomicOr(changed, 1);
}

__global__ void label_from_roots(const int32_t* __restrict__ roots,
                                 const int32_t* __restrict__ markers, int32_t* __restrict__ labels,
                                 int64_t count) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    labels[i] = roots[i] >= 0 ? markers[roots[i]] : 0;
  }
}

// 1 where no neighbour is lower (a minimum candidate), 0 elsewhere and on blocked voxels.
__global__ void init_minimum_flags(const uint32_t* __restrict__ keys, uint32_t* __restrict__ flags,
                                   VolumeDims dims, FullNeighbourhood neighbours) {
  const int64_t count = int64_t(dims.nz) * dims.ny * dims.nx;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    const uint32_t key = keys[i];
    bool lower = key == kBlockedKey;
    if (!lower) {
      for_each_neighbour(dims, neighbours, i,
                         [&](int, int64_t j) { lower = lower || keys[j] < key; });
    }
    flags[i] = lower ? 0u : 1u;
  }
}

__global__ void flags_to_mask(const uint32_t* __restrict__ flags, uint8_t* __restrict__ mask,
                              int64_t count) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    mask[i] = uint8_t(flags[i]);
  }
}

}  // namespace medkern::cuda::kernels
