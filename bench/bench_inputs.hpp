// The inputs the benchmarks share, generated deterministically (xorshift), and their upload
// to the device (tests/support/device_copies.hpp). Making a 512^3 input takes a second or two, and
// Google Benchmark calls a benchmark's function several times (to find its iteration count, then
// once per repetition), so each input is made once per process and kept: the functions return a
// reference to the kept copy.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <type_traits>
#include <vector>

#include "device_copies.hpp"
#include "medkern/context.hpp"
#include "medkern/volume.hpp"

namespace medkern::bench {

Shape3 cube(int64_t n);

// make()'s result, made on the first call for `key` and kept for the process. Each call
// site (its own Make type) has its own table.
template <class Key, class Make>
const auto& kept(const Key& key, Make&& make) {
  using Value = decltype(make());
  static std::map<Key, Value> table;
  static std::mutex mutex;
  const std::lock_guard<std::mutex> lock(mutex);
  auto it = table.find(key);
  if (it == table.end()) it = table.emplace(key, make()).first;
  return it->second;
}

// CT-like HU values (air, soft tissue, bone) with noise.
const std::vector<int16_t>& ct_like(int64_t count, uint64_t seed);
// The same values as float32.
const std::vector<float>& ct_like_float(int64_t count, uint64_t seed);

// Label image: cells of 16 x 16 x 32 voxels, every third of them carrying a label in
// 1..labels, the rest background.
const std::vector<int32_t>& blob_labels(const Shape3& shape, int32_t labels);

// About `balls` random balls of radius 8..23 voxels: the standard labelling input (512^3
// with 2,000 balls is about 30 % foreground).
const std::vector<uint8_t>& ball_mask(const Shape3& shape, int balls, uint64_t seed);

// A CT-like body: an elliptic cylinder of soft tissue (40 HU with noise) in air, bone balls
// inside; growing from the centre through [-200, 300] HU fills the soft tissue.
const std::vector<int16_t>& body_ct(const Shape3& shape);

#if MEDKERN_WITH_CUDA
// ct_like(count of shape, seed) on the device as T (int16 as it is, or float32).
template <class T>
Volume<T> upload_ct_like(const Context& ctx, const Shape3& shape, uint64_t seed) {
  const int64_t count = shape[0] * shape[1] * shape[2];
  if constexpr (std::is_same_v<T, float>)
    return test::to_device(ctx, ct_like_float(count, seed), shape);
  else
    return test::to_device(ctx, ct_like(count, seed), shape);
}
#endif

}  // namespace medkern::bench
