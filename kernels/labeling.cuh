// Device code: connected components by block-based union-find over tiles (launch and
// dispatch in labeling.cu).
//
// References: Playne & Hawick, "A new algorithm for parallel connected-component labelling
// on GPUs", IEEE TPDS 2018 (tiles labelled in shared memory, then joined across their
// faces); Allegretti, Bolelli & Grana, "Optimized Block-Based Algorithms to Label Connected
// Components on GPUs", IEEE TPDS 2019 (union-find over 2x2x2 blocks instead of voxels);
// Jaiganesh & Burtscher, "A High-Performance Connected Components Implementation for GPUs",
// HPDC 2018 (intermediate pointer jumping next to CAS hooks).
//
// A node is a block of voxels that are all neighbours of each other (2x2x2 for 26, 1x2x2 for
// 18 and 8, 1x1x2 for 6 and 4, one voxel when equal values decide), so any foreground voxels
// of a node belong to one component and the union-find works on nodes. The key of a node is
// the index of its first foreground voxel in raster order; a set's root is always the node
// of smallest key, i.e. the node holding the component's first voxel.
//
// Passes (labeling.cu):
//   1. label_tiles: each thread block labels one tile of nodes in shared memory, makes each
//      tile root a root of `forest` (indexed by global voxel index, only roots' keys are
//      used), sets a bit per tile root in `root_bits`, and writes every voxel's tile root into
//      the labels (coalesced).
//   2. join_tiles: each node on a tile's low faces unites the tile roots that pass 1 wrote
//      into the labels for it and its neighbours in other tiles, in global memory (CAS
//      hooks, pointer jumping); a hooked root clears its bit.
//   3. a prefix sum of the popcounts of `root_bits`: the rank of a root among all roots in
//      raster order is its label (scipy's numbering), with no sort.
//   4. number_voxels: each voxel's tile root -> its global root -> that root's rank.
// The labels are written twice and read once (and at tile faces in pass 2); the forest and
// the root bits are touched only at roots.
#pragma once

#include <cstdint>
#include <cuda/atomic>

namespace medkern::cuda::kernels {

// A node's shape (BZ x BY x BX voxels) and a tile's shape in nodes (TBZ x TBY x TBX). All
// dimensions are powers of two, so that index arithmetic is shifts and masks.
template <int BZ_, int BY_, int BX_, int TBZ_, int TBY_, int TBX_>
struct Geometry {
  static constexpr int BZ = BZ_, BY = BY_, BX = BX_;
  static constexpr int TBZ = TBZ_, TBY = TBY_, TBX = TBX_;
  static constexpr int TZ = BZ * TBZ, TY = BY * TBY, TX = BX * TBX;  // tile in voxels
  static constexpr int kNodes = TBZ * TBY * TBX;
  static constexpr int kTileVoxels = TZ * TY * TX;
  // Per-slice connectivities use tiles one voxel deep and never look across z.
  static constexpr bool kThreeD = TZ > 1;
  // Keys (local voxel indices) and node bits share one int32 in the last pass.
  static_assert(kTileVoxels <= (1 << 16) && BZ * BY * BX <= 8, "keys take 16 bits, bits 8");

  // Node-of-tile of a tile-local voxel index.
  __device__ static int node_of_key(int key) {
    const int lz = key / (TY * TX), ly = key / TX % TY, lx = key % TX;
    return (lz / BZ * TBY + ly / BY) * TBX + lx / BX;
  }
  // Tile-local voxel index of voxel u (bit index (vz * BY + vy) * BX + vx) of node n.
  __device__ static int key_of(int n, int u) {
    const int bz = n / (TBY * TBX), by = n / TBX % TBY, bx = n % TBX;
    const int vz = u / (BY * BX), vy = u / BX % BY, vx = u % BX;
    return ((bz * BZ + vz) * TY + by * BY + vy) * TX + bx * BX + vx;
  }
};

// The neighbours of a node, all of them (both halves), at node level, for one connectivity:
// the node offsets (dz, dy, dx) whose nodes can touch. Built on the host (labeling.cu) from
// the voxel neighbourhood, with the spread tables that say which voxels touch.
// `left` is the index of (0, 0, -1); plus_x[i] the index of offset i seen from the left
// neighbour, (dz, dy, dx + 1), or -1 when that is no neighbour (see implied_by_left).
// `earlier` lists the offsets before the node in raster order but `left`, the ones a node
// unites with inside its tile.
struct NodeNeighbourhood {
  int count = 0;
  int8_t dz[26]{}, dy[26]{}, dx[26]{};
  int left = -1;
  int8_t plus_x[26]{};
  int earlier_count = 0;
  int8_t earlier[13]{};
};

struct Dims {
  int32_t nz, ny, nx;
  int32_t tiles_y, tiles_x;
};

// ------------------------------------------------------------------ what a node holds

// uint8 masks: any non-zero voxel is foreground and all foreground voxels connect; a node
// holds the bit set of its foreground voxels.
struct NonZeroRule {
  using Value = uint8_t;
  static constexpr bool kByValue = false;
};
// Label or elevation images: voxels connect when their values are equal; zero (and NaN for
// float32) is background. A node is one voxel and holds the value's bit pattern (equal
// non-zero, non-NaN values have equal patterns; -0.0 is zero).
template <class T>
struct EqualValueRule {
  using Value = T;
  static constexpr bool kByValue = true;
};

__device__ inline uint32_t value_pattern(uint8_t v) {
  return v;
}
__device__ inline uint32_t value_pattern(int16_t v) {
  return uint16_t(v);
}
__device__ inline uint32_t value_pattern(uint16_t v) {
  return v;
}
__device__ inline uint32_t value_pattern(int32_t v) {
  return uint32_t(v);
}
__device__ inline uint32_t value_pattern(float v) {
  return v != 0.0f && v == v ? __float_as_uint(v) : 0u;
}

// What node (z0, y0, x0 = its first voxel, in the volume) holds: 0 for a background node.
template <class Rule, class G>
__device__ inline uint32_t load_node(const typename Rule::Value* __restrict__ image,
                                     const Dims& dims, int32_t z0, int32_t y0, int32_t x0) {
  if constexpr (Rule::kByValue) {
    static_assert(G::BZ * G::BY * G::BX == 1, "equal values: one voxel per node");
    return value_pattern(image[(z0 * dims.ny + y0) * dims.nx + x0]);
  } else {
    uint32_t bits = 0;
#pragma unroll
    for (int vz = 0; vz < G::BZ; ++vz) {
#pragma unroll
      for (int vy = 0; vy < G::BY; ++vy) {
#pragma unroll
        for (int vx = 0; vx < G::BX; ++vx) {
          const int32_t z = z0 + vz, y = y0 + vy, x = x0 + vx;
          if (z < dims.nz && y < dims.ny && x < dims.nx && image[(z * dims.ny + y) * dims.nx + x]) {
            bits |= 1u << ((vz * G::BY + vy) * G::BX + vx);
          }
        }
      }
    }
    return bits;
  }
}

// The voxel of a node that gives the node its key: its first foreground voxel.
template <class Rule>
__device__ inline int first_voxel(uint32_t held) {
  if constexpr (Rule::kByValue) {
    return 0;
  } else {
    return __ffs(held) - 1;
  }
}

// Whether nodes a and b (b = a + offset i) hold voxels of one component. `spread` is the
// table of offset i: spread[a] is the set of voxels of b's node that touch a voxel of a
// (built on the host; one byte lookup instead of a loop over a's voxels).
template <class Rule>
__device__ inline bool connected(uint32_t a, uint32_t b, const uint8_t* spread) {
  if constexpr (Rule::kByValue) {
    return a != 0 && a == b;  // one voxel each, and the offset is in the neighbourhood
  } else {
    return (spread[a] & b) != 0;
  }
}

// The spread tables of all offsets of a NodeNeighbourhood: kSpreadEntries bytes per offset.
constexpr int kSpreadEntries = 256;

// Node a connects to its left node l (a - x); b = a + offset i, bl = b - x its left node (0
// when it is outside). Whether the union of a and b may be skipped because it follows from
// unions of pairs further left:
// - l connects to b: a ~ l and l ~ b;
// - b connects to bl and l connects to bl (offset i again): a ~ l ~ bl ~ b.
// Every connected pair of neighbouring nodes is handled (united, or skipped by this rule),
// and every left pair (a, l) is always united. A skip rests on a pair whose x coordinates sum
// to less, so by induction on that sum each skipped pair ends up in one set. Most unions
// inside a component are skipped; the rest start rows of nodes.
template <class Rule>
__device__ inline bool implied_by_left(const NodeNeighbourhood& nb, const uint8_t* spread, int i,
                                       uint32_t l, uint32_t b, uint32_t bl) {
  if (nb.plus_x[i] >= 0 && connected<Rule>(l, b, spread + nb.plus_x[i] * kSpreadEntries)) {
    return true;
  }
  return connected<Rule>(b, bl, spread + nb.left * kSpreadEntries) &&
         connected<Rule>(l, bl, spread + i * kSpreadEntries);
}

// ------------------------------------------------------------------ union-find in a tile

// Shared memory: parent[n] is the key of n's parent node; a root holds its own key. Every
// write is an atomicMin, so a parent only ever moves to a smaller key of the same set:
// - a union lowers a root (Playne & Hawick's scheme; if another thread re-parented it first,
//   the loop goes on from its new parent, so no link is lost);
// - a find halves the path it walks (a node's parent becomes its grandparent). Without it a
//   tile of thousands of nodes grows chains of thousands of links (the earlier versions'
//   cost); atomicMin keeps it from raising a parent that another thread lowered meanwhile.
// Plain reads see either value; no thread writes what another reads except through atomics.
template <class G>
__device__ inline int find_halving(int32_t* parent, int key) {
  while (true) {
    const int up = parent[G::node_of_key(key)];
    if (up == key) return key;
    const int upper = parent[G::node_of_key(up)];
    if (upper == up) return up;
    atomicMin(parent + G::node_of_key(key), upper);
    key = upper;
  }
}

// Read-only find, once no thread writes any more.
template <class G>
__device__ inline int find_key(const int32_t* parent, int key) {
  int next = parent[G::node_of_key(key)];
  while (next != key) {
    key = next;
    next = parent[G::node_of_key(key)];
  }
  return key;
}

template <class G>
__device__ inline void unite_keys(int32_t* parent, int a, int b) {
  while (true) {
    a = find_halving<G>(parent, a);
    b = find_halving<G>(parent, b);
    if (a == b) return;
    if (a > b) {
      const int t = a;
      a = b;
      b = t;
    }
    // b was a root when read: lower it to a. If another thread re-parented b first, `old`
    // is b's parent and the loop joins a with it.
    const int old = atomicMin(parent + G::node_of_key(b), a);
    if (old == b) return;
    b = old;
  }
}

// ------------------------------------------------------------------ union-find in global memory

// `forest` holds, at the global key of a node on a tile face, the global key of its parent;
// roots hold their own key. Every concurrent access is atomic (relaxed), so there is no data
// race. Hooks are compare-and-swap on a root (expected: itself) and path halving stores only
// to nodes already seen as non-roots; a node never becomes a root again, so a halving store
// and a hook never meet on one node. Either only ever writes an ancestor of smaller key, so
// every parent stays in the node's set and below it (no cycles), and a set's root stays its
// smallest key.
using AtomicRef = ::cuda::atomic_ref<int32_t, ::cuda::thread_scope_device>;

__device__ inline int32_t load_parent(int32_t* forest, int32_t i) {
  return AtomicRef(forest[i]).load(::cuda::memory_order_relaxed);
}

__device__ inline int32_t find_global(int32_t* forest, int32_t i) {
  while (true) {
    const int32_t parent = load_parent(forest, i);
    if (parent == i) return i;
    const int32_t grandparent = load_parent(forest, parent);
    if (grandparent == parent) return parent;
    AtomicRef(forest[i]).store(grandparent, ::cuda::memory_order_relaxed);
    i = grandparent;
  }
}

__device__ inline void unite_global(int32_t* forest, uint32_t* root_bits, int32_t a, int32_t b) {
  while (true) {
    a = find_global(forest, a);
    b = find_global(forest, b);
    if (a == b) return;
    if (a > b) {
      const int32_t t = a;
      a = b;
      b = t;
    }
    int32_t expected = b;
    if (AtomicRef(forest[b]).compare_exchange_strong(expected, a, ::cuda::memory_order_relaxed)) {
      atomicAnd(root_bits + (b >> 5), ~(1u << (b & 31)));  // b is no longer a root
      return;
    }
    b = expected;  // b had been hooked meanwhile: go on from its parent
  }
}

// Read-only find, for the last pass (no thread writes `forest` any more).
__device__ inline int32_t find_root(const int32_t* __restrict__ forest, int32_t i) {
  int32_t parent = forest[i];
  while (parent != i) {
    i = parent;
    parent = forest[i];
  }
  return i;
}

// The label of root r: 1 + the number of roots before it in raster order. `ranks` is the
// inclusive prefix sum of the popcounts of `root_bits`.
__device__ inline int32_t number_of(const uint32_t* __restrict__ root_bits,
                                    const int32_t* __restrict__ ranks, int32_t r) {
  const int32_t word = r >> 5;
  return ranks[word] - __popc(root_bits[word] >> (r & 31)) + 1;
}

// ------------------------------------------------------------------ kernels

// Pass 1 (see the top of the file). One thread block per tile; tiles in raster order of
// (tile z, tile y, tile x). `spread`: the spread tables of the offsets (masks only).
template <class Rule, class G, int Threads>
__global__ void __launch_bounds__(Threads, 3)
    label_tiles(const typename Rule::Value* __restrict__ image, const uint8_t* __restrict__ spread,
                int32_t* __restrict__ forest, uint32_t* __restrict__ root_bits,
                int32_t* __restrict__ labels, Dims dims,
                const __grid_constant__ NodeNeighbourhood nb) {
  static_assert(G::kNodes % Threads == 0, "whole nodes per thread");
  constexpr int kPerThread = G::kNodes / Threads;
  __shared__ int32_t parent[G::kNodes];
  __shared__ uint32_t held[G::kNodes];  // what each node holds
  // Lookups at random bytes: shared memory serves them where the constant bank would
  // serialise a warp's different addresses.
  __shared__ uint32_t tables[Rule::kByValue ? 1 : 26 * kSpreadEntries / 4];
  const uint8_t* s_spread = reinterpret_cast<const uint8_t*>(tables);
  if constexpr (!Rule::kByValue) {
    const uint32_t* source = reinterpret_cast<const uint32_t*>(spread);
    for (int w = threadIdx.x; w < nb.count * kSpreadEntries / 4; w += Threads)
      tables[w] = source[w];
  }

  const int32_t tile = int32_t(blockIdx.x);
  const int32_t z0 = tile / (dims.tiles_y * dims.tiles_x) * G::TZ;
  const int32_t y0 = tile / dims.tiles_x % dims.tiles_y * G::TY;
  const int32_t x0 = tile % dims.tiles_x * G::TX;
  auto global_index = [&](int key) {
    const int lz = key / (G::TY * G::TX), ly = key / G::TX % G::TY, lx = key % G::TX;
    return ((z0 + lz) * dims.ny + (y0 + ly)) * dims.nx + (x0 + lx);
  };

  uint32_t mine[kPerThread];
  for (int k = 0; k < kPerThread; ++k) {
    const int n = threadIdx.x + k * Threads;
    const int bz = n / (G::TBY * G::TBX), by = n / G::TBX % G::TBY, bx = n % G::TBX;
    const int32_t z = z0 + bz * G::BZ, y = y0 + by * G::BY, x = x0 + bx * G::BX;
    const bool inside = z < dims.nz && y < dims.ny && x < dims.nx;
    mine[k] = inside ? load_node<Rule, G>(image, dims, z, y, x) : 0u;
    held[n] = mine[k];
  }
  __syncthreads();

  // Runs along x: the nodes of a run (each connected to its left node) within the warp's 32
  // nodes take as parent the node of smallest key among them (a segmented minimum over
  // shuffles), so runs start as trees of depth one instead of chains built by concurrent
  // unions. (The first node of a run need not hold its smallest key: 2x2x2 nodes order by
  // their first voxel, which may lie in a lower row of voxels.)
  static_assert(Threads % 32 == 0 && G::TBX % 32 % 16 == 0, "rows start at lane 0 (or 16)");
  const int lane = int(threadIdx.x % 32);
  uint32_t joined_left = 0;  // bit k: node k of this thread connects to its left node
  for (int k = 0; k < kPerThread; ++k) {
    const int n = threadIdx.x + k * Threads;
    const uint32_t left = n % G::TBX > 0 ? held[n - 1] : 0u;
    const bool joined = connected<Rule>(mine[k], left, s_spread + nb.left * kSpreadEntries);
    joined_left |= uint32_t(joined) << k;
    // Lanes that begin a segment (a run, or a background node), lane 0 always.
    const uint32_t starts = ~__ballot_sync(0xffffffffu, joined) | 1u;
    const int first = 31 - __clz(starts & (0xffffffffu >> (31 - lane)));
    const uint32_t after = lane < 31 ? starts >> (lane + 1) : 0u;
    const int last = after != 0 ? lane + __ffs(after) - 1 : 31;
    int smallest = mine[k] != 0 ? G::key_of(n, first_voxel<Rule>(mine[k])) : 0x7fffffff;
    for (int d = 1; d < 32; d <<= 1) {
      const int below = __shfl_up_sync(0xffffffffu, smallest, d);
      if (lane - d >= first) smallest = min(smallest, below);
    }
    smallest = __shfl_sync(0xffffffffu, smallest, last);
    parent[n] = mine[k] != 0 ? smallest : -1;
  }
  __syncthreads();

  // Each node joins its earlier neighbours inside the tile, but for the unions that follow
  // from those of its left node (implied_by_left).
  for (int k = 0; k < kPerThread; ++k) {
    if (mine[k] == 0) continue;
    const int n = threadIdx.x + k * Threads;
    const int bz = n / (G::TBY * G::TBX), by = n / G::TBX % G::TBY, bx = n % G::TBX;
    const int key = G::key_of(n, first_voxel<Rule>(mine[k]));
    const bool joined = (joined_left >> k) & 1;
    const uint32_t left = joined ? held[n - 1] : 0u;
    // A run that goes on from the previous warp's nodes.
    if (joined && lane == 0) unite_keys<G>(parent, key, G::key_of(n - 1, first_voxel<Rule>(left)));
    for (int e = 0; e < nb.earlier_count; ++e) {
      const int i = nb.earlier[e];
      const int mz = bz + nb.dz[i], my = by + nb.dy[i], mx = bx + nb.dx[i];
      if (mz < 0 || my < 0 || my >= G::TBY || mx < 0 || mx >= G::TBX) continue;
      const int m = (mz * G::TBY + my) * G::TBX + mx;
      const uint32_t other = held[m];
      if (!connected<Rule>(mine[k], other, s_spread + i * kSpreadEntries)) continue;
      if (joined &&
          implied_by_left<Rule>(nb, s_spread, i, left, other, mx > 0 ? held[m - 1] : 0u)) {
        continue;
      }
      unite_keys<G>(parent, key, G::key_of(m, first_voxel<Rule>(other)));
    }
  }
  __syncthreads();

  int roots[kPerThread];
  for (int k = 0; k < kPerThread; ++k) {
    const int n = threadIdx.x + k * Threads;
    roots[k] = mine[k] != 0 ? find_key<G>(parent, G::key_of(n, first_voxel<Rule>(mine[k]))) : -1;
  }

  // Tile roots start the forest; pass 2 reaches them through the labels.
  for (int k = 0; k < kPerThread; ++k) {
    if (mine[k] == 0) continue;
    const int n = threadIdx.x + k * Threads;
    if (roots[k] == G::key_of(n, first_voxel<Rule>(mine[k]))) {
      const int32_t root = global_index(roots[k]);
      forest[root] = root;
      atomicOr(root_bits + (root >> 5), 1u << (root & 31));
    }
  }
  __syncthreads();  // every find above is done before parents are overwritten
  // parent[n] becomes the tile root's key with the node's voxel bits above bit 16.
  for (int k = 0; k < kPerThread; ++k) {
    const int n = threadIdx.x + k * Threads;
    const uint32_t bits = Rule::kByValue ? (mine[k] != 0 ? 1u : 0u) : mine[k];
    parent[n] = mine[k] != 0 ? int32_t(uint32_t(roots[k]) | (bits << 16)) : -1;
  }
  __syncthreads();
  // Every voxel gets the global key of its tile root (-1: background); pass 4 turns these
  // into numbers. Coalesced: consecutive threads write consecutive voxels of a row.
  for (int l = threadIdx.x; l < G::kTileVoxels; l += Threads) {
    const int lz = l / (G::TY * G::TX), ly = l / G::TX % G::TY, lx = l % G::TX;
    if (z0 + lz >= dims.nz || y0 + ly >= dims.ny || x0 + lx >= dims.nx) continue;
    const int n = (lz / G::BZ * G::TBY + ly / G::BY) * G::TBX + lx / G::BX;
    const int u = ((lz % G::BZ) * G::BY + ly % G::BY) * G::BX + lx % G::BX;
    const int32_t p = parent[n];
    labels[global_index(l)] = p >= 0 && (p >> (16 + u)) & 1 ? global_index(p & 0xffff) : -1;
  }
}

// Pass 2: the nodes on the low faces of each tile (z = 0 in 3-D, y = 0, x = 0) unite with
// their neighbours in other tiles. A pair of nodes in different tiles is handled by the one
// whose tile comes later along the first axis (z, y, x) where their tiles differ, so every
// pair is joined once and no high face needs a thread.
// The image is read again here, and another stream may have rewritten it since pass 1 (or
// the labels may be the image itself): the forest is entered only at the tile roots that
// pass 1 wrote into `tile_roots` (the labels), never at a key derived from this pass's
// reading, which may name a voxel whose forest entry pass 1 never wrote. A voxel that pass
// 1 saw as background (-1) takes part in no union.
template <class G>
struct LowFaces {
  static constexpr int kFirstZ = G::kThreeD ? 1 : 0;  // the z = 0 face is whole in 3-D
  static constexpr int kZFace = G::kThreeD ? G::TBY * G::TBX : 0;
  static constexpr int kYFace = (G::TBZ - kFirstZ) * G::TBX;
  static constexpr int kXFace = (G::TBZ - kFirstZ) * (G::TBY - 1);
  static constexpr int kNodes = kZFace + kYFace + kXFace;
};

template <class Rule, class G>
__global__ void join_tiles(const typename Rule::Value* __restrict__ image,
                           const uint8_t* __restrict__ spread,
                           const int32_t* __restrict__ tile_roots, int32_t* forest,
                           uint32_t* root_bits, Dims dims, int32_t tiles,
                           const __grid_constant__ NodeNeighbourhood nb) {
  using Faces = LowFaces<G>;
  const int32_t t = int32_t(blockIdx.x) * int32_t(blockDim.x) + int32_t(threadIdx.x);
  if (t >= tiles * Faces::kNodes) return;
  const int32_t tile = t / Faces::kNodes;
  int s = t % Faces::kNodes;
  int bz, by, bx;
  if (s < Faces::kZFace) {
    bz = 0;
    by = s / G::TBX;
    bx = s % G::TBX;
  } else if ((s -= Faces::kZFace) < Faces::kYFace) {
    bz = Faces::kFirstZ + s / G::TBX;
    by = 0;
    bx = s % G::TBX;
  } else {
    s -= Faces::kYFace;
    bz = Faces::kFirstZ + s / (G::TBY - 1);
    by = 1 + s % (G::TBY - 1);
    bx = 0;
  }
  const int32_t tz = tile / (dims.tiles_y * dims.tiles_x) * G::TBZ;
  const int32_t ty = tile / dims.tiles_x % dims.tiles_y * G::TBY;
  const int32_t tx = tile % dims.tiles_x * G::TBX;
  auto voxel_key = [&](int32_t gz, int32_t gy, int32_t gx, uint32_t held) {
    const int u = first_voxel<Rule>(held);
    const int vz = u / (G::BY * G::BX), vy = u / G::BX % G::BY, vx = u % G::BX;
    return ((gz * G::BZ + vz) * dims.ny + gy * G::BY + vy) * dims.nx + gx * G::BX + vx;
  };
  const int32_t az = tz + bz, ay = ty + by, ax = tx + bx;  // node coordinates
  if (az * G::BZ >= dims.nz || ay * G::BY >= dims.ny || ax * G::BX >= dims.nx) return;
  const uint32_t mine = load_node<Rule, G>(image, dims, az * G::BZ, ay * G::BY, ax * G::BX);
  if (mine == 0) return;
  const int32_t root = tile_roots[voxel_key(az, ay, ax, mine)];
  if (root < 0) return;
  const uint32_t left =
      ax > 0 ? load_node<Rule, G>(image, dims, az * G::BZ, ay * G::BY, (ax - 1) * G::BX) : 0u;
  const bool joined_left = connected<Rule>(mine, left, spread + nb.left * kSpreadEntries);
  int32_t last = -1;  // the tile root joined last: neighbours often share it
  for (int i = 0; i < nb.count; ++i) {
    const int mz = bz + nb.dz[i], my = by + nb.dy[i], mx = bx + nb.dx[i];
    // The first axis on which the neighbour's tile differs must have it lower.
    if (mz >= G::TBZ) continue;
    if (mz >= 0) {
      if (my >= G::TBY) continue;
      if (my >= 0 && (mx >= 0)) continue;  // same tile, or a later tile along x
    }
    const int32_t gz = az + nb.dz[i], gy = ay + nb.dy[i], gx = ax + nb.dx[i];
    if (gz < 0 || gy < 0 || gx < 0 || gz * G::BZ >= dims.nz || gy * G::BY >= dims.ny ||
        gx * G::BX >= dims.nx) {
      continue;
    }
    const uint32_t other = load_node<Rule, G>(image, dims, gz * G::BZ, gy * G::BY, gx * G::BX);
    if (!connected<Rule>(mine, other, spread + i * kSpreadEntries)) continue;
    // The left pair is never skipped; other pairs as in label_tiles (pairs across tiles are
    // all handled here, so the induction holds across tile faces too).
    if (joined_left && i != nb.left) {
      const uint32_t other_left =
          gx > 0 ? load_node<Rule, G>(image, dims, gz * G::BZ, gy * G::BY, (gx - 1) * G::BX) : 0u;
      if (implied_by_left<Rule>(nb, spread, i, left, other, other_left)) continue;
    }
    const int32_t start = tile_roots[voxel_key(gz, gy, gx, other)];
    if (start < 0 || start == last) continue;
    last = start;
    unite_global(forest, root_bits, root, start);
  }
}

// Pass 4: each voxel's tile root becomes its component's number. Neighbouring voxels mostly
// share a tile root, so a thread keeps the last one it resolved. Each thread reads and writes
// only its own voxels; `forest` is no longer written.
template <int kPerThread>
__global__ void number_voxels(int32_t* __restrict__ labels, const int32_t* __restrict__ forest,
                              const uint32_t* __restrict__ root_bits,
                              const int32_t* __restrict__ ranks, int32_t count) {
  int32_t last_root = -1, last_number = 0;
  auto number = [&](int32_t tile_root) {
    if (tile_root < 0) return 0;
    if (tile_root != last_root) {
      last_root = tile_root;
      last_number = number_of(root_bits, ranks, find_root(forest, tile_root));
    }
    return last_number;
  };
  const int32_t groups = count / kPerThread;
  for (int32_t g = int32_t(blockIdx.x * blockDim.x + threadIdx.x); g < groups;
       g += int32_t(gridDim.x * blockDim.x)) {
    if constexpr (kPerThread == 4) {
      int4 v = reinterpret_cast<const int4*>(labels)[g];
      v.x = number(v.x);
      v.y = number(v.y);
      v.z = number(v.z);
      v.w = number(v.w);
      reinterpret_cast<int4*>(labels)[g] = v;
    } else {
      labels[g] = number(labels[g]);
    }
  }
  // The last count % kPerThread voxels.
  const int32_t rest = groups * kPerThread + int32_t(blockIdx.x * blockDim.x + threadIdx.x);
  if (rest < count) labels[rest] = number(labels[rest]);
}

// root_bits word -> number of roots in it, for the prefix sum of pass 3.
struct RootCount {
  const uint32_t* root_bits;
  __device__ int32_t operator()(int32_t word) const { return __popc(root_bits[word]); }
};

// output[i] = flags[labels[i]]: the voxels of the flagged components. (A template, as every
// kernel in this header, because several files include it.)
template <class Flag>
__global__ void select_flagged(const int32_t* __restrict__ labels, const Flag* __restrict__ flags,
                               int64_t count, Flag* __restrict__ output) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    output[i] = flags[labels[i]];
  }
}

}  // namespace medkern::cuda::kernels
