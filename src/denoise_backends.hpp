// Internal steps of the noise-reduction ops shared by the CPU (src/cpu/denoise.cpp) and the
// GPU (kernels/denoise.cu): the order of values that the median selects in, the two exact
// selections, and ITK's arithmetic of one anisotropic-diffusion step. Both backends call
// these functions, so they compute the same thing in the same order.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "host_device.hpp"
#include "medkern/context.hpp"
#include "medkern/denoise.hpp"

// Full unrolling of the fixed loops below in device code (the host compiler decides itself).
#if defined(__CUDA_ARCH__)
#define MEDKERN_UNROLL _Pragma("unroll")
#else
#define MEDKERN_UNROLL
#endif

namespace medkern {

// ------------------------------------------------------------------ median

inline constexpr int kMaxMedianRadius = 3;
inline constexpr int kMaxMedianWindow = 343;  // (2 * 3 + 1)^3
// Windows up to this many values select in registers (forgetful selection); larger ones by
// bisection over the keys' bits.
inline constexpr int kForgetfulMaxWindow = 27;

// The window of a median: (2r+1) values per axis, `rank` = count / 2 (counts are odd).
struct MedianWindow {
  int32_t radius[3];  // (z, y, x)
  int32_t count;
  int32_t rank;
};

// Keys whose unsigned order is the order the median sorts in. int16 and uint16 keep their
// value order. float32: -inf < ... < -0.0 < +0.0 < ... < +inf < NaN, every NaN one key (the
// largest), which comes back as the quiet NaN 0x7fffffff.
MEDKERN_HOST_DEVICE inline uint32_t median_key(int16_t value) {
  return uint32_t(int32_t(value) + 32768);
}
MEDKERN_HOST_DEVICE inline uint32_t median_key(uint16_t value) {
  return value;
}
MEDKERN_HOST_DEVICE inline uint32_t median_key(float value) {
  if (value != value) return 0xffffffffu;
#if defined(__CUDA_ARCH__)
  const uint32_t bits = __float_as_uint(value);
#else
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
#endif
  return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

template <class T>
MEDKERN_HOST_DEVICE inline T median_value(uint32_t key);
template <>
MEDKERN_HOST_DEVICE inline int16_t median_value<int16_t>(uint32_t key) {
  return int16_t(int32_t(key) - 32768);
}
template <>
MEDKERN_HOST_DEVICE inline uint16_t median_value<uint16_t>(uint32_t key) {
  return uint16_t(key);
}
template <>
MEDKERN_HOST_DEVICE inline float median_value<float>(uint32_t key) {
  const uint32_t bits = (key & 0x80000000u) ? (key & 0x7fffffffu) : ~key;
#if defined(__CUDA_ARCH__)
  return __uint_as_float(bits);
#else
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
#endif
}

MEDKERN_HOST_DEVICE inline void compare_exchange(uint32_t& a, uint32_t& b) {
  const uint32_t low = a < b ? a : b;
  b = a < b ? b : a;
  a = low;
}

// The median (rank (N - 1) / 2) of the N keys fetch(0), ..., fetch(N - 1), N odd, by
// forgetful selection: of a set of M = (N + 3) / 2 keys, neither the minimum nor the maximum
// can be the median of the keys not yet dropped, so both are dropped and the next key joins;
// after N - M rounds three keys remain and the median is their middle one. All indices are
// compile-time constants once unrolled, so the set stays in registers.
template <int N, class Fetch>
MEDKERN_HOST_DEVICE inline uint32_t forgetful_median(Fetch&& fetch) {
  static_assert(N % 2 == 1, "windows have an odd number of values");
  if constexpr (N == 1) {
    return fetch(0);
  } else {
    constexpr int M = (N + 3) / 2;
    uint32_t set[M];
    MEDKERN_UNROLL
    for (int t = 0; t < M; ++t) set[t] = fetch(t);
    // Round `first`: the set is set[first .. M-1].
    MEDKERN_UNROLL
    for (int first = 0; first < N - M; ++first) {
      MEDKERN_UNROLL
      for (int t = first + 1; t < M; ++t) compare_exchange(set[first], set[t]);
      MEDKERN_UNROLL
      for (int t = first + 1; t < M - 1; ++t) compare_exchange(set[t], set[M - 1]);
      set[M - 1] = fetch(M + first);  // the maximum is dropped, the minimum left behind
    }
    uint32_t a = set[M - 3], b = set[M - 2];
    const uint32_t c = set[M - 1];
    compare_exchange(a, b);
    const uint32_t high = b < c ? b : c;  // min(max(a, b), c)
    return a > high ? a : high;           // max(min(a, b), that)
  }
}

// ------------------------------------------------------------------ median of 3 x 3 x 3

// The median of a 3 x 3 x 3 window (rank 13 of 27), exact, in about 100 integer min/max per
// output when a thread computes outputs in pairs along one axis (the "march" axis). The window
// is three planes of 9 keys, one per position along the march axis; planes are shared by the
// outputs that contain them.
//
// 1. sort_plane: each plane is sorted once (a 25-comparator network, 50 min/max) and used by
//    the 3 outputs that contain it (one per output when marching).
// 2. merge_middle: for an output with sorted planes a, b, c (in any order), d = the sorted
//    merge of b and c (18 keys); only d[4] .. d[13] are needed (step 3), which Batcher's
//    odd-even merge gives in 46 min/max once the unused halves of its comparators are dropped
//    (the compilers drop them: the values are never read). median_pair shares one merge
//    between the two outputs whose windows both hold b and c: 23 min/max per output.
// 3. select_rank13: the 14th smallest (rank 13) of the union of a sorted list c (9 keys) and a
//    sorted list d (18 keys) is  min over j = 0 .. 9 of max(c[j - 1], d[13 - j])  (c[-1]
//    meaning "no key": that term is d[13]). Proof: order the 27 keys totally (by key, ties by
//    position). (i) Every term is >= the 14th smallest: the term max(c[j-1], d[13-j]) is >=
//    the j keys c[0 .. j-1] and the 14 - j keys d[0 .. 13-j], 14 keys in all, so it is not
//    below the 14th smallest. (ii) One term equals it: let j be the number of keys of c among
//    the 14 smallest; as c and d are sorted these are c[0 .. j-1] and d[0 .. 13-j] (j <= 9,
//    14 - j <= 18), and the largest of them, max(c[j-1], d[13-j]), is the 14th smallest.
//    18 min/max, d[4] .. d[13] read.
// Per output, marching in pairs through TileZ outputs: 50 (TileZ + 2) / TileZ + 23 + 18 min/max
// (97 at TileZ = 16, 91 asymptotically; forgetful selection over 27 keys: 384).
//
// Exactness of the whole: it is a circuit of min and max only. For any threshold t the map
// f(k) = [k >= t] is monotone, so f(min(a, b)) = min(f(a), f(b)), likewise for max, and f of
// the k-th smallest is the k-th smallest of the f(k)s. If the circuit returned m != s (the
// true median) for some keys, thresholding at t = max(m, s) would give 0/1 keys on which it
// returns f(m) != f(s): so a circuit exact on all 2^27 inputs of zeros and ones is exact on
// all inputs (the 0-1 principle). tests/cpu/denoise_tests.cpp evaluates median_pair, its
// planes first sorted by sort_plane, on all 2^27 0/1 windows of each of its two outputs (64
// at a time, bit-sliced: min = AND, max = OR) and on millions of random windows against
// std::nth_element. Keys are median_key's (uint32, compared unsigned, NaN the largest key), so
// NaN sorts last as in numpy without any floating-point min/max (fminf and fmaxf drop NaN
// and are never used here).
//
// K: uint32_t keys; tests instantiate the same code with a bit-sliced type of their own,
// found through key_min and key_max by argument-dependent lookup.
MEDKERN_HOST_DEVICE inline uint32_t key_min(uint32_t a, uint32_t b) {
  return b < a ? b : a;
}
MEDKERN_HOST_DEVICE inline uint32_t key_max(uint32_t a, uint32_t b) {
  return b < a ? a : b;
}

// a <= b afterwards.
template <class K>
MEDKERN_HOST_DEVICE inline void sort2(K& a, K& b) {
  const K low = key_min(a, b);
  b = key_max(a, b);
  a = low;
}

// Sorts v[0 .. 8] (ascending): a 25-comparator sorting network of 7 layers.
template <class K>
MEDKERN_HOST_DEVICE inline void sort_plane(K (&v)[9]) {
  sort2(v[0], v[3]), sort2(v[1], v[7]), sort2(v[2], v[5]), sort2(v[4], v[8]);
  sort2(v[0], v[7]), sort2(v[2], v[4]), sort2(v[3], v[8]), sort2(v[5], v[6]);
  sort2(v[0], v[2]), sort2(v[1], v[3]), sort2(v[4], v[5]), sort2(v[7], v[8]);
  sort2(v[1], v[4]), sort2(v[3], v[6]), sort2(v[5], v[7]);
  sort2(v[0], v[1]), sort2(v[2], v[4]), sort2(v[3], v[5]), sort2(v[6], v[8]);
  sort2(v[2], v[3]), sort2(v[4], v[5]), sort2(v[6], v[7]);
  sort2(v[1], v[2]), sort2(v[3], v[4]), sort2(v[5], v[6]);
}

// middle[i] = the (i + 4)-th smallest (0-based) of the 18 keys of the sorted a and b,
// i = 0 .. 9. Batcher's odd-even merge of two sorted lists of 16, fed (a[0..8], +inf x 7) and
// (-inf, b[0..8], +inf x 6), with every comparator that meets an infinity resolved in
// advance (it only moves a key from one wire to another): 33 comparators on d[0 .. 17]
// (a in d[0 .. 8], b in d[9 .. 17]), after which the sorted merge lies in d[1 .. 8], d[17],
// d[10 .. 15], d[0], d[9], d[16].
template <class K>
MEDKERN_HOST_DEVICE inline void merge_middle(const K (&a)[9], const K (&b)[9], K (&middle)[10]) {
  K d[18];
  MEDKERN_UNROLL
  for (int i = 0; i < 9; ++i) {
    d[i] = a[i];
    d[9 + i] = b[i];
  }
  sort2(d[8], d[16]), sort2(d[8], d[0]), sort2(d[4], d[12]), sort2(d[4], d[8]);
  sort2(d[12], d[0]), sort2(d[2], d[10]), sort2(d[6], d[14]), sort2(d[6], d[10]);
  sort2(d[2], d[4]), sort2(d[6], d[8]), sort2(d[10], d[12]), sort2(d[14], d[0]);
  sort2(d[1], d[9]), sort2(d[17], d[9]), sort2(d[5], d[13]), sort2(d[5], d[17]);
  sort2(d[13], d[9]), sort2(d[3], d[11]), sort2(d[7], d[15]), sort2(d[7], d[11]);
  sort2(d[3], d[5]), sort2(d[7], d[17]), sort2(d[11], d[13]), sort2(d[15], d[9]);
  sort2(d[1], d[2]), sort2(d[3], d[4]), sort2(d[5], d[6]), sort2(d[7], d[8]);
  sort2(d[17], d[10]), sort2(d[11], d[12]), sort2(d[13], d[14]), sort2(d[15], d[0]);
  sort2(d[9], d[16]);
  middle[0] = d[5], middle[1] = d[6], middle[2] = d[7], middle[3] = d[8], middle[4] = d[17];
  middle[5] = d[10], middle[6] = d[11], middle[7] = d[12], middle[8] = d[13], middle[9] = d[14];
}

// The rank-13 key of the sorted c (9 keys) and the sorted 18 keys whose ranks 4 .. 13 are
// middle[0 .. 9] (step 3 above: d[13 - j] = middle[9 - j]).
template <class K>
MEDKERN_HOST_DEVICE inline K select_rank13(const K (&c)[9], const K (&middle)[10]) {
  K best = middle[9];
  MEDKERN_UNROLL
  for (int j = 1; j <= 9; ++j) best = key_min(best, key_max(c[j - 1], middle[9 - j]));
  return best;
}

// The median of the 27 keys of the sorted planes a, b, c.
template <class K>
MEDKERN_HOST_DEVICE inline K median_sorted_planes(const K (&a)[9], const K (&b)[9],
                                                  const K (&c)[9]) {
  K middle[10];
  merge_middle(b, c, middle);
  return select_rank13(a, middle);
}

// The medians of the sorted planes (a, b, c) and (b, c, d): one merge of b and c for both.
template <class K>
MEDKERN_HOST_DEVICE inline void median_pair(const K (&a)[9], const K (&b)[9], const K (&c)[9],
                                            const K (&d)[9], K& first, K& second) {
  K middle[10];
  merge_middle(b, c, middle);
  first = select_rank13(a, middle);
  second = select_rank13(d, middle);
}

// Calls f(std::integral_constant<int, N>{}) with N the window's count where forgetful
// selection serves it (windows of up to kForgetfulMaxWindow values), else with N = 0.
template <class F>
decltype(auto) visit_median_window(int count, F&& f) {
  static_assert(kForgetfulMaxWindow == 27, "the cases below list the windows up to 27");
  switch (count) {
    case 3:
      return f(std::integral_constant<int, 3>{});
    case 5:
      return f(std::integral_constant<int, 5>{});
    case 7:
      return f(std::integral_constant<int, 7>{});
    case 9:
      return f(std::integral_constant<int, 9>{});
    case 15:
      return f(std::integral_constant<int, 15>{});
    case 21:
      return f(std::integral_constant<int, 21>{});
    case 25:
      return f(std::integral_constant<int, 25>{});
    case 27:
      return f(std::integral_constant<int, 27>{});
    default:
      return f(std::integral_constant<int, 0>{});
  }
}

// The key of rank `rank` (0-based, in increasing order) among the `count` keys that
// visit(f) passes to f one by one (any count): the largest key v with #{keys < v} <= rank,
// found bit by bit from the highest bit in which the smallest and the largest key differ.
template <class Visit>
MEDKERN_HOST_DEVICE inline uint32_t bisection_select(int rank, Visit&& visit) {
  uint32_t low = 0xffffffffu, high = 0;
  visit([&](uint32_t key) {
    low = key < low ? key : low;
    high = key > high ? key : high;
  });
  if (low == high) return low;
  int bit = 31;
  while (((low ^ high) >> bit) == 0) --bit;
  // The bits above `bit` are common to all keys; below it the search starts from 0.
  uint32_t value = bit == 31 ? 0u : (low & ~((uint32_t(2) << bit) - 1));
  for (; bit >= 0; --bit) {
    const uint32_t trial = value | (uint32_t(1) << bit);
    int below = 0;
    visit([&](uint32_t key) { below += key < trial ? 1 : 0; });
    if (below <= rank) value = trial;
  }
  return value;
}

// ------------------------------------------------------------------ anisotropic diffusion

// ITK GradientAnisotropicDiffusionImageFilter, one iteration: with scale[a] = 1 / spacing[a]
// (ITK's UseImageSpacing) and the volume's edge voxels repeated beyond its faces (ITK's
// ZeroFluxNeumann boundary),
//   avg = mean over voxels of sum over axes of ((v[+1] - v[-1]) / -2 * scale)^2
//   K   = float(avg * conductance^2 * -2)
//   out = in + float(update * time_step), update = the sum over axes of the conductance-
//         weighted forward minus backward differences (diffusion_update).
// Axes are in ITK's order x, y, z here, as ITK sums them in that order.
struct DiffusionScales {
  double scale[3];  // (x, y, z): 1 / spacing
};

// One voxel's neighbourhood: value[dz + 1][dy + 1][dx + 1], neighbours outside the volume
// replaced by the nearest voxel inside. Only the centre, the 6 faces and the 12 edges are read.
struct DiffusionStencil {
  float value[3][3][3];

  // The voxel at offset `step` along ITK axis `axis` (0 = x, 1 = y, 2 = z) from the centre
  // plus offset `other_step` along `other_axis`.
  MEDKERN_HOST_DEVICE float at(int axis, int step, int other_axis = 0, int other_step = 0) const {
    int d[3] = {0, 0, 0};
    d[axis] += step;
    d[other_axis] += other_step;
    return value[d[2] + 1][d[1] + 1][d[0] + 1];
  }
};

// ITK's term of the average gradient magnitude of one voxel: the sum over x, y, z of
// (double(float(v[+1] - v[-1])) / -2 * scale)^2.
MEDKERN_HOST_DEVICE inline double gradient_magnitude_squared(const DiffusionStencil& s,
                                                             const DiffusionScales& scales) {
  double sum = 0.0;
  MEDKERN_UNROLL
  for (int axis = 0; axis < 3; ++axis) {
    const double difference = double(s.at(axis, 1) - s.at(axis, -1));
    const double derivative = multiply_rounded(difference / -2.0, scales.scale[axis]);
    sum = add_rounded(sum, multiply_rounded(derivative, derivative));
  }
  return sum;
}

// ITK's K from the average: float(average * conductance * conductance * -2.0f).
MEDKERN_HOST_DEVICE inline float diffusion_k(double average, double conductance) {
  return float(multiply_rounded(
      multiply_rounded(multiply_rounded(average, conductance), conductance), -2.0));
}

// itk::GradientNDAnisotropicDiffusionFunction::ComputeUpdate, operation for operation
// (float differences, double everything else, products and sums rounded on their own so
// that no FMA changes them on the GPU).
MEDKERN_HOST_DEVICE inline float diffusion_update(const DiffusionStencil& s,
                                                  const DiffusionScales& scales, float k) {
  double centred[3];
  MEDKERN_UNROLL
  for (int axis = 0; axis < 3; ++axis) {
    centred[axis] =
        multiply_rounded(double((s.at(axis, 1) - s.at(axis, -1)) / 2.0f), scales.scale[axis]);
  }
  double delta = 0.0;
  MEDKERN_UNROLL
  for (int i = 0; i < 3; ++i) {
    double forward = multiply_rounded(double(s.at(i, 1) - s.at(i, 0)), scales.scale[i]);
    double backward = multiply_rounded(double(s.at(i, 0) - s.at(i, -1)), scales.scale[i]);
    double accum = 0.0, accum_d = 0.0;
    MEDKERN_UNROLL
    for (int j = 0; j < 3; ++j) {
      if (j == i) continue;
      const double augmented =
          multiply_rounded(double((s.at(i, 1, j, 1) - s.at(i, 1, j, -1)) / 2.0f), scales.scale[j]);
      const double diminished = multiply_rounded(
          double((s.at(i, -1, j, 1) - s.at(i, -1, j, -1)) / 2.0f), scales.scale[j]);
      const double a = add_rounded(centred[j], augmented);
      const double d = add_rounded(centred[j], diminished);
      accum = add_rounded(accum, multiply_rounded(0.25, multiply_rounded(a, a)));
      accum_d = add_rounded(accum_d, multiply_rounded(0.25, multiply_rounded(d, d)));
    }
    double cx = 0.0, cxd = 0.0;
    if (k != 0.0f) {
      cx = exp(add_rounded(multiply_rounded(forward, forward), accum) / double(k));
      cxd = exp(add_rounded(multiply_rounded(backward, backward), accum_d) / double(k));
    }
    forward = multiply_rounded(forward, cx);
    backward = multiply_rounded(backward, cxd);
    delta = add_rounded(delta, add_rounded(forward, -backward));
  }
  return float(delta);
}

// ITK's DenseFiniteDifferenceImageFilter::ApplyUpdate: out += float(update * dt).
MEDKERN_HOST_DEVICE inline float diffusion_apply(float value, float update, double time_step) {
  return add_rounded(value, float(multiply_rounded(double(update), time_step)));
}

}  // namespace medkern

namespace medkern {

namespace cpu {
// `input`, `output`: host memory, any strides, one dtype (int16, uint16, float32).
void median(const Context& context, const VolumeRef& input, const VolumeRef& output,
            const MedianWindow& window);
// `input`: host memory, any strides; `output`: float32 host memory, any strides. Returns the
// average of the first iteration (0 when there is none), which is not finite when the input
// is not.
double anisotropic_diffusion(const Context& context, const VolumeRef& input,
                             const VolumeRef& output, const AnisotropicDiffusionParams& params,
                             const DiffusionScales& scales);
}  // namespace cpu

#if MEDKERN_WITH_CUDA
namespace cuda {
// The same on C-contiguous memory of the context's device. Stream-ordered.
void median(const Context& context, const VolumeRef& input, const VolumeRef& output,
            const MedianWindow& window);
// Stream-ordered; returns the first iteration's average after the stream has reached it.
double anisotropic_diffusion(const Context& context, const VolumeRef& input,
                             const VolumeRef& output, const AnisotropicDiffusionParams& params,
                             const DiffusionScales& scales);
}  // namespace cuda
#endif

}  // namespace medkern
