#include "bench_inputs.hpp"

#include <algorithm>
#include <tuple>

#include "balls.hpp"

namespace medkern::bench {

Shape3 cube(int64_t n) {
  return {n, n, n};
}

const std::vector<int16_t>& ct_like(int64_t count, uint64_t seed) {
  return kept(std::make_tuple(count, seed), [&] {
    std::vector<int16_t> values(count);
    uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
    for (auto& v : values) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      const int tissue = int(state % 100);
      const int noise = int((state >> 8) % 81) + int((state >> 16) % 81) - 80;  // triangular
      const int centre = tissue < 30 ? -1000 : tissue < 80 ? 40 : tissue < 95 ? 300 : 900;
      v = int16_t(centre + noise);
    }
    return values;
  });
}

const std::vector<float>& ct_like_float(int64_t count, uint64_t seed) {
  return kept(std::make_tuple(count, seed), [&] {
    const std::vector<int16_t>& values = ct_like(count, seed);
    return std::vector<float>(values.begin(), values.end());
  });
}

const std::vector<int32_t>& blob_labels(const Shape3& shape, int32_t labels) {
  return kept(std::make_tuple(shape, labels), [&] {
    std::vector<int32_t> values(shape[0] * shape[1] * shape[2]);
    for (int64_t z = 0; z < shape[0]; ++z)
      for (int64_t y = 0; y < shape[1]; ++y)
        for (int64_t x = 0; x < shape[2]; ++x) {
          const int64_t cell = (z / 16) * 1000 + (y / 16) * 37 + (x / 32);
          values[(z * shape[1] + y) * shape[2] + x] =
              (cell % 3 == 0) ? int32_t(cell % labels) + 1 : 0;
        }
    return values;
  });
}

const std::vector<uint8_t>& ball_mask(const Shape3& shape, int balls, uint64_t seed) {
  return kept(std::make_tuple(shape, balls, seed), [&] {
    std::vector<uint8_t> mask(shape[0] * shape[1] * shape[2], 0);
    uint64_t state = seed * 0x9E3779B97F4A7C15ull + 7;
    auto next = [&] {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      return state;
    };
    for (int b = 0; b < balls; ++b) {
      const int64_t cz = next() % shape[0], cy = next() % shape[1], cx = next() % shape[2];
      const int64_t r = 8 + next() % 16;
      test::paint_ball(mask, shape, cz, cy, cx, r);
    }
    return mask;
  });
}

const std::vector<int16_t>& body_ct(const Shape3& shape) {
  return kept(shape, [&] {
    std::vector<int16_t> values = ct_like(shape[0] * shape[1] * shape[2], 8);
    const std::vector<uint8_t>& bone = ball_mask(shape, 200, 9);
    for (int64_t z = 0; z < shape[0]; ++z)
      for (int64_t y = 0; y < shape[1]; ++y)
        for (int64_t x = 0; x < shape[2]; ++x) {
          const int64_t i = (z * shape[1] + y) * shape[2] + x;
          const double dy = (y - shape[1] / 2.0) / (0.4 * shape[1]);
          const double dx = (x - shape[2] / 2.0) / (0.45 * shape[2]);
          const int noise = values[i] % 40;
          values[i] = int16_t(dy * dy + dx * dx > 1.0 ? -1000 + noise
                              : bone[i]               ? 700 + noise
                                                      : 40 + noise);
        }
    return values;
  });
}

}  // namespace medkern::bench
