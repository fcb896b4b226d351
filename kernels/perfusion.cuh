// Device code: perfusion maps, one thread a voxel (perfusion_voxel, shared with the CPU).
#pragma once

#include <cstdint>
#include <type_traits>

#include "perfusion_backends.hpp"

namespace medkern::cuda::kernels {

// The output maps, C-contiguous, a frame's voxels each.
struct MapPointers {
  float *cbf, *cbv, *mtt, *tmax, *ttp, *arrival;
  uint8_t* valid;

  __device__ void store(int64_t v, const PerfusionVoxel& out) const {
    cbf[v] = out.cbf;
    cbv[v] = out.cbv;
    mtt[v] = out.mtt;
    tmax[v] = out.tmax;
    ttp[v] = out.ttp;
    arrival[v] = out.arrival;
    valid[v] = out.valid;
  }
};

// The maps of `voxels` voxels of a C-contiguous series (frame t of voxel v at
// series[t * voxels + v]). Thread i of the grid uses scratch[k * threads + i] for its k-th
// scratch float, so that a warp's scratch accesses coalesce.
template <class T, int Threads>
__global__ void __launch_bounds__(Threads)
    perfusion_maps(const T* __restrict__ series, int64_t voxels, const uint8_t* __restrict__ mask,
                   PerfusionPlan plan, float* __restrict__ scratch, MapPointers maps) {
  const int64_t threads = int64_t(gridDim.x) * Threads;
  const int64_t thread = int64_t(blockIdx.x) * Threads + threadIdx.x;
  const StridedFloats own{scratch + thread, threads};
  for (int64_t v = thread; v < voxels; v += threads) {
    PerfusionVoxel out{0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0};
    if (mask == nullptr || mask[v] != 0) {
      out = perfusion_voxel(
          plan, [&](int32_t t) { return series[int64_t(t) * voxels + v]; }, own);
    }
    maps.store(v, out);
  }
}

// The tiled kernels (perfusion_maps_fixed, perfusion_maps_oscillation): a block takes
// Threads * Voxels voxels at a time; thread j owns voxels j, j + Threads, ... of the tile (a
// warp's loads coalesce) and keeps their curves in shared memory, voxel k's float q at
// own[(k * per_voxel + q) * Threads] (conflict-free): the frames, read from the series and
// converted to concentration in place, then the uniform grid when the frames are not it,
// then the kernel's own floats. No other thread reads them, so a block synchronises only
// once, after staging its operators: warps drift apart, some loading while others compute.
struct TileLayout {
  int32_t per_voxel;  // floats of a voxel
  int32_t grid;       // offset of the grid among them (0 for uniform frames)
  int32_t extra;      // offset of the kernel's own floats

  __host__ __device__ static TileLayout of(const PerfusionPlan& plan, int32_t own_floats) {
    const int32_t grid = plan.uniform ? 0 : plan.frames;
    const int32_t extra = plan.uniform ? plan.frames : plan.frames + plan.samples;
    return {extra + own_floats, grid, extra};
  }
};

// Frames loaded per thread before the first is stored: loads in flight hide their latency.
inline constexpr int kTileLoadBatch = 8;

// Stages the frames of a thread's voxels of the tile at `tile` (those inside: within the
// volume and the mask) as float, then their curves; returns the curves' summaries.
template <class T, int Threads, int Voxels>
__device__ void stage_curves(const T* __restrict__ series, int64_t voxels,
                             const uint8_t* __restrict__ mask, const PerfusionPlan& plan,
                             const TileLayout& layout, int64_t tile, float* own,
                             CurveSummary (&curve)[Voxels]) {
  bool inside[Voxels];
#pragma unroll
  for (int k = 0; k < Voxels; ++k) {
    const int64_t v = tile + k * Threads + threadIdx.x;
    inside[k] = v < voxels && (mask == nullptr || mask[v] != 0);
  }
  const int nt = plan.frames;
  for (int t0 = 0; t0 < nt; t0 += kTileLoadBatch) {
    float loaded[kTileLoadBatch][Voxels];
#pragma unroll
    for (int b = 0; b < kTileLoadBatch; ++b) {
#pragma unroll
      for (int k = 0; k < Voxels; ++k) {
        const int64_t v = tile + k * Threads + threadIdx.x;
        loaded[b][k] =
            inside[k] && t0 + b < nt ? float(series[int64_t(t0 + b) * voxels + v]) : 0.0f;
      }
    }
#pragma unroll
    for (int b = 0; b < kTileLoadBatch; ++b) {
#pragma unroll
      for (int k = 0; k < Voxels; ++k) {
        if (t0 + b < nt) own[(k * layout.per_voxel + t0 + b) * Threads] = loaded[b][k];
      }
    }
  }
#pragma unroll
  for (int k = 0; k < Voxels; ++k) {
    const StridedFloats c{own + k * layout.per_voxel * Threads, Threads};
    curve[k] = inside[k] ? curve_of(
                               plan, [&](int32_t t) { return c[t]; }, c, c + layout.grid)
                         : CurveSummary{0, 0.0f, 0.0f, false};
  }
}

template <int Threads, int Voxels>
__device__ void store_maps(const PerfusionPlan& plan, const TileLayout& layout, int64_t tile,
                           int64_t voxels, const float* own, const CurveSummary (&curve)[Voxels],
                           const ResiduePeak (&best)[Voxels], const MapPointers& maps) {
#pragma unroll
  for (int k = 0; k < Voxels; ++k) {
    const int64_t v = tile + k * Threads + threadIdx.x;
    if (v >= voxels) continue;
    const StridedFloats c{const_cast<float*>(own) + k * layout.per_voxel * Threads, Threads};
    maps.store(v,
               maps_of(plan, curve[k], curve[k].enhanced ? best[k] : ResiduePeak{0.0f, 0.0f}, c));
  }
}

// Rows of a small operator applied to a thread's Voxels grids, `Rows` rows at a time: the
// operator lies transposed in shared memory (operator_t[u * padded + i] = row i's u-th
// value, padded rows 0), so that per grid sample u one value per voxel and Rows / 4 float4
// broadcasts of the operator feed Voxels * Rows products, and shared memory keeps up with
// the arithmetic. Fused: multiply-adds (FMA), the result differs from the CPU's in the last
// bits; otherwise products and sums rounded on their own, in the CPU's order, the same to
// the bit.
template <int Threads, int Voxels, int Rows, bool Fused>
__device__ void operator_rows(const float* operator_t, int padded, int n, int i0, const float* grid,
                              int per_voxel, float (&f)[Voxels][Rows]) {
#pragma unroll
  for (int k = 0; k < Voxels; ++k) {
#pragma unroll
    for (int r = 0; r < Rows; ++r) f[k][r] = 0.0f;
  }
  const float* column = operator_t + i0;
#pragma unroll 2
  for (int u = 0; u < n; ++u, column += padded) {
    float g[Voxels];
#pragma unroll
    for (int k = 0; k < Voxels; ++k) g[k] = grid[(k * per_voxel + u) * Threads];
#pragma unroll
    for (int r = 0; r < Rows; r += 4) {
      const float4 p = *reinterpret_cast<const float4*>(column + r);
      const float q[4] = {p.x, p.y, p.z, p.w};
#pragma unroll
      for (int k = 0; k < Voxels; ++k) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          f[k][r + e] = Fused ? fmaf(q[e], g[k], f[k][r + e])
                              : add_rounded(f[k][r + e], multiply_rounded(q[e], g[k]));
        }
      }
    }
  }
}

// Stages `rows` x `cols` of a row-major matrix transposed into shared memory, rows padded
// with zeros to `padded`.
__device__ inline void stage_transposed(const float* matrix, int rows, int cols, int padded,
                                        float* out) {
  for (int k = threadIdx.x; k < cols * padded; k += blockDim.x) {
    const int u = k / padded, i = k % padded;
    out[k] = i < rows ? matrix[i * cols + u] : 0.0f;
  }
}

// The fixed methods (ssvd, csvd, tikhonov): the n x n operator (plan.inverse) applied to
// every grid, the residue's rows fed to a peak tracker per voxel; rows in blocks of
// RowBlock, then of 8, then one of 4 (the operator is padded to a multiple of 4 rows only).
template <int Threads, int Voxels>
struct FixedTile {
  __host__ __device__ static int padded(int n) { return (n + 3) / 4 * 4; }
  // Dynamic shared memory of a block.
  static std::size_t shared_bytes(const PerfusionPlan& plan) {
    const int n = plan.samples;
    return sizeof(float) * (std::size_t(n) * padded(n) +
                            std::size_t(TileLayout::of(plan, 0).per_voxel) * Voxels * Threads);
  }
};

template <int Threads, int Voxels, int Rows>
__device__ void fixed_rows(const float* operator_t, int padded, int n, int i0, const float* grid,
                           int per_voxel, PeakTracker (&tracker)[Voxels]) {
  float f[Voxels][Rows];
  operator_rows<Threads, Voxels, Rows, true>(operator_t, padded, n, i0, grid, per_voxel, f);
#pragma unroll
  for (int r = 0; r < Rows; ++r) {
    if (i0 + r < n) {
#pragma unroll
      for (int k = 0; k < Voxels; ++k) tracker[k].add(f[k][r]);
    }
  }
}

template <class T, int Threads, int Voxels, int RowBlock>
__global__ void __launch_bounds__(Threads)
    perfusion_maps_fixed(const T* __restrict__ series, int64_t voxels,
                         const uint8_t* __restrict__ mask, PerfusionPlan plan, MapPointers maps) {
  static_assert(RowBlock % 4 == 0, "rows go in blocks of RowBlock, then 8, then 4");
  extern __shared__ __align__(16) float shared[];
  const int n = plan.samples;
  const int padded = FixedTile<Threads, Voxels>::padded(n);
  const TileLayout layout = TileLayout::of(plan, 0);
  float* operator_t = shared;
  stage_transposed(plan.inverse, n, n, padded, operator_t);
  __syncthreads();
  float* own = shared + n * padded + threadIdx.x;
  const float* grid = own + layout.grid * Threads;
  const int64_t tile_voxels = int64_t(Threads) * Voxels;
  for (int64_t tile = blockIdx.x * tile_voxels; tile < voxels; tile += gridDim.x * tile_voxels) {
    CurveSummary curve[Voxels];
    stage_curves<T, Threads, Voxels>(series, voxels, mask, plan, layout, tile, own, curve);
    PeakTracker tracker[Voxels];
    int i0 = 0;
    for (; i0 + RowBlock <= padded; i0 += RowBlock) {
      fixed_rows<Threads, Voxels, RowBlock>(operator_t, padded, n, i0, grid, layout.per_voxel,
                                            tracker);
    }
    for (; i0 + 8 <= padded; i0 += 8) {
      fixed_rows<Threads, Voxels, 8>(operator_t, padded, n, i0, grid, layout.per_voxel, tracker);
    }
    if (i0 < padded) {
      fixed_rows<Threads, Voxels, 4>(operator_t, padded, n, i0, grid, layout.per_voxel, tracker);
    }
    ResiduePeak best[Voxels];
#pragma unroll
    for (int k = 0; k < Voxels; ++k) best[k] = tracker[k].peak();
    store_maps<Threads, Voxels>(plan, layout, tile, voxels, own, curve, best, maps);
  }
}

// osvd (oscillation_residue_peak's arithmetic, to the bit): the residue's components are
// added in groups of kOscillationGroup (their projections y, computed as operator rows,
// held in registers), the residue f in the thread's shared floats; the last group of a
// threshold also tracks the peak and the oscillation sum in the same pass over f. The
// operators lie in shared memory: u_t transposed (u_t_t[u * padded + k] = u_t[k][u]) and
// v_scaled as it is (m x rank, padded to whole groups).
inline constexpr int kOscillationGroup = 8;

template <int Threads>
struct OscillationTile {
  __host__ __device__ static int padded(int rank) {
    return (rank + kOscillationGroup - 1) / kOscillationGroup * kOscillationGroup;
  }
  static std::size_t shared_bytes(const PerfusionPlan& plan) {
    const std::size_t operators =
        std::size_t(plan.samples + plan.residue_length) * padded(plan.rank);
    return sizeof(float) *
           (operators + std::size_t(TileLayout::of(plan, plan.residue_length).per_voxel) * Threads);
  }
};

template <class T, int Threads>
__global__ void __launch_bounds__(Threads)
    perfusion_maps_oscillation(const T* __restrict__ series, int64_t voxels,
                               const uint8_t* __restrict__ mask, PerfusionPlan plan,
                               MapPointers maps) {
  constexpr int G = kOscillationGroup;
  extern __shared__ __align__(16) float shared[];
  const int n = plan.samples, m = plan.residue_length;
  const int padded = OscillationTile<Threads>::padded(plan.rank);
  const TileLayout layout = TileLayout::of(plan, m);
  float* u_t_t = shared;
  float* v_scaled = shared + n * padded;
  stage_transposed(plan.u_t, plan.rank, n, padded, u_t_t);
  for (int k = threadIdx.x; k < m * padded; k += Threads) {
    const int i = k / padded, c = k % padded;
    v_scaled[k] = c < plan.rank ? plan.v_scaled[i * plan.rank + c] : 0.0f;
  }
  __syncthreads();
  float* own = shared + (n + m) * padded + threadIdx.x;
  const float* grid = own + layout.grid * Threads;
  float* f = own + layout.extra * Threads;
  for (int64_t tile = blockIdx.x * int64_t(Threads); tile < voxels;
       tile += int64_t(gridDim.x) * Threads) {
    CurveSummary curve[1];
    stage_curves<T, Threads, 1>(series, voxels, mask, plan, layout, tile, own, curve);
    ResiduePeak best[1] = {{0.0f, 0.0f}};
    if (curve[0].enhanced) {
      for (int i = 0; i < m; ++i) f[i * Threads] = 0.0f;
      int32_t added = 0;
      bool chosen = false;
      for (int j = 0; j < kOscillationCandidates; ++j) {
        const int32_t rank = plan.candidate_rank[j];
        if (rank == added) continue;
        PeakTracker tracker;
        float oscillation = 0.0f, before = 0.0f, last = 0.0f;
        for (int k0 = added / G * G; k0 < rank; k0 += G) {
          float y[1][G];
          operator_rows<Threads, 1, G, false>(u_t_t, padded, n, k0, grid, layout.per_voxel, y);
          const bool final_group = k0 + G >= rank;
          const float* v_row = v_scaled + k0;
          for (int i = 0; i < m; ++i, v_row += padded) {
            float fi = f[i * Threads];
#pragma unroll
            for (int e = 0; e < G; e += 4) {
              const float4 p = *reinterpret_cast<const float4*>(v_row + e);
              const float q[4] = {p.x, p.y, p.z, p.w};
#pragma unroll
              for (int d = 0; d < 4; ++d) {
                const int component = k0 + e + d;
                if (component >= added && component < rank) {
                  fi = add_rounded(fi, multiply_rounded(q[d], y[0][e + d]));
                }
              }
            }
            f[i * Threads] = fi;
            if (final_group) {
              if (i < n) tracker.add(fi);
              if (i >= 2) {
                oscillation += fabsf(add_rounded(fi - multiply_rounded(2.0f, last), before));
              }
              before = last;
              last = fi;
            }
          }
        }
        added = rank;
        const ResiduePeak candidate = tracker.peak();
        if (!(candidate.value > 0.0f)) continue;
        if (!chosen || oscillation / (float(m) * candidate.value) < plan.oscillation_index) {
          best[0] = candidate;
          chosen = true;
        }
      }
    }
    store_maps<Threads, 1>(plan, layout, tile, voxels, own, curve, best, maps);
  }
}

// The time-intensity curves' sums (CurveSumTables). A warp takes 32 neighbouring voxels at
// a time and reads their labels once: where all 32 share a row (most of a labelled region)
// it sums each frame across the warp and adds once; where none has one (background) it
// skips their frames; otherwise each voxel adds its own. Integer sums are exact in any
// order; float32 sums, in double, are not (as label statistics).
template <class V>
__device__ V warp_sum(V value) {
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2) value += __shfl_down_sync(~0u, value, offset);
  return value;
}

template <class T, class L>
__global__ void time_intensity_sums(const T* __restrict__ series, int64_t voxels, int32_t frames,
                                    const L* __restrict__ labels,
                                    const int32_t* __restrict__ row_of, int64_t max_label,
                                    CurveSumTables sums) {
  const int lane = threadIdx.x % 32;
  const int64_t warps = int64_t(gridDim.x) * blockDim.x / 32;
  for (int64_t base = (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / 32 * 32; base < voxels;
       base += warps * 32) {
    const int64_t v = base + lane;
    int32_t row = -1;
    if (v < voxels) {
      const int64_t label = int64_t(labels[v]);
      if (label > 0 && label <= max_label) row = row_of[label];
    }
    const int32_t first_row = __shfl_sync(~0u, row, 0);
    const bool shared_row = __all_sync(~0u, row == first_row);
    if (shared_row && first_row < 0) continue;
    for (int32_t t = 0; t < frames; ++t) {
      const T x = row >= 0 ? series[int64_t(t) * voxels + v] : T(0);
      const int64_t at = int64_t(row) * frames + t;
      if constexpr (std::is_same_v<T, float>) {
        const bool counted = row >= 0 && x == x;  // NaN is not counted
        const double value = counted ? double(x) : 0.0;
        if (shared_row) {
          const double sum = warp_sum(value), squares = warp_sum(value * value);
          const unsigned count = __popc(__ballot_sync(~0u, counted));
          if (lane == 0 && count > 0) {
            atomicAdd(&sums.count[at], static_cast<unsigned long long>(count));
            atomicAdd(&sums.sum_float[at], sum);
            atomicAdd(&sums.squares_float[at], squares);
          }
        } else if (counted) {
          atomicAdd(&sums.count[at], 1ull);
          atomicAdd(&sums.sum_float[at], value);
          atomicAdd(&sums.squares_float[at], value * value);
        }
      } else {
        // Two's complement: a negative sum added as an unsigned word is exact.
        const long long value = row >= 0 ? static_cast<long long>(x) : 0;
        if (shared_row) {
          const long long sum = warp_sum(value);
          const unsigned long long squares =
              warp_sum(static_cast<unsigned long long>(value * value));
          if (lane == 0) {
            atomicAdd(reinterpret_cast<unsigned long long*>(&sums.sum_int[at]),
                      static_cast<unsigned long long>(sum));
            atomicAdd(&sums.squares_int[at], squares);
          }
        } else if (row >= 0) {
          atomicAdd(reinterpret_cast<unsigned long long*>(&sums.sum_int[at]),
                    static_cast<unsigned long long>(value));
          atomicAdd(&sums.squares_int[at], static_cast<unsigned long long>(value * value));
        }
      }
    }
  }
}

}  // namespace medkern::cuda::kernels
