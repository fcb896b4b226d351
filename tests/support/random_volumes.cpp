#include "support/random_volumes.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>

namespace medkern::test {

uint64_t fresh_seed() {
  if (const char* fixed = std::getenv("MEDKERN_TEST_SEED"))
    return std::strtoull(fixed, nullptr, 10);
  std::random_device device;
  return (uint64_t(device()) << 32) ^ device();
}

bool quick() {
  const char* quick = std::getenv("MEDKERN_TEST_QUICK");
  return quick != nullptr && *quick != '\0' && *quick != '0';
}

std::vector<int16_t> random_ct(const Shape3& shape, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::discrete_distribution<int> tissue({30, 50, 15, 5});
  std::normal_distribution<double> noise(0.0, 25.0);
  const double centre[4] = {-1000.0, 40.0, 300.0, 900.0};
  std::vector<int16_t> values(numel(shape));
  for (auto& v : values) {
    const double hu = centre[tissue(rng)] + noise(rng) * (1 + tissue(rng));
    v = static_cast<int16_t>(std::lround(std::max(-1024.0, std::min(3000.0, hu))));
  }
  return values;
}

std::vector<uint16_t> random_uint16(const Shape3& shape, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> value(0, 65535);
  std::vector<uint16_t> values(numel(shape));
  for (auto& v : values) v = static_cast<uint16_t>(value(rng));
  return values;
}

std::vector<float> random_float(const Shape3& shape, uint64_t seed, double nan_fraction) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> value(10.0f, 100.0f);
  std::bernoulli_distribution nan(nan_fraction);
  std::vector<float> values(numel(shape));
  for (auto& v : values) {
    v = nan(rng) ? std::numeric_limits<float>::quiet_NaN() : value(rng);
  }
  return values;
}

std::vector<uint8_t> random_mask(const Shape3& shape, uint64_t seed, double fraction) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution on(fraction);
  std::vector<uint8_t> values(numel(shape));
  for (auto& v : values) v = on(rng) ? uint8_t(1 + rng() % 255) : uint8_t(0);
  return values;
}

std::vector<int32_t> random_labels(const Shape3& shape, uint64_t seed, int32_t max_label) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int32_t> label(0, max_label);
  std::geometric_distribution<int> run(0.1);
  std::vector<int32_t> values(numel(shape));
  std::size_t i = 0;
  while (i < values.size()) {
    const int32_t current = (rng() % 3 == 0) ? label(rng) : 0;
    for (int k = run(rng) + 1; k > 0 && i < values.size(); --k) values[i++] = current;
  }
  return values;
}

}  // namespace medkern::test
