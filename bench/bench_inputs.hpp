// The inputs the benchmarks share, generated fast and deterministically (xorshift), and
// their upload to the device.
#pragma once

#include <cstdint>
#include <type_traits>
#include <vector>

#include "medkern/context.hpp"
#include "medkern/volume.hpp"

namespace medkern::bench {

Shape3 cube(int64_t n);

// CT-like HU values (air, soft tissue, bone) with noise.
std::vector<int16_t> ct_like(int64_t count, uint64_t seed);
std::vector<float> as_float(const std::vector<int16_t>& values);

// Label image: cells of 16 x 16 x 32 voxels, every third of them carrying a label in
// 1..labels, the rest background.
std::vector<int32_t> blob_labels(const Shape3& shape, int32_t labels);

// About `balls` random balls of radius 8..23 voxels: the standard labelling input (512^3
// with 2,000 balls is about 30 % foreground).
std::vector<uint8_t> ball_mask(const Shape3& shape, int balls, uint64_t seed);

// A CT-like body: an elliptic cylinder of soft tissue (40 HU with noise) in air, bone balls
// inside; growing from the centre through [-200, 300] HU fills the soft tissue.
std::vector<int16_t> body_ct(const Shape3& shape);

#if MEDKERN_WITH_CUDA
template <class T>
Volume<T> upload(const Context& ctx, const std::vector<T>& host, const Shape3& shape) {
  Volume<T> device(ctx, shape);
  copy(ctx, make_view(host.data(), shape), device);
  return device;
}

// int16 values on the device as T (int16 as they are, float32 converted).
template <class T>
Volume<T> upload_as(const Context& ctx, const std::vector<int16_t>& values, const Shape3& shape) {
  if constexpr (std::is_same_v<T, float>)
    return upload(ctx, as_float(values), shape);
  else
    return upload(ctx, values, shape);
}
#endif

}  // namespace medkern::bench
