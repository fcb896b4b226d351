#include <vector>

#include "backends.hpp"

namespace medkern::cpu {

void keep_seeded_components(const Context& context, const int32_t* labels, int64_t count,
                            const std::vector<int64_t>& seeds, int64_t components,
                            uint8_t* output) {
  std::vector<uint8_t> seeded(static_cast<std::size_t>(components) + 1, 0);
  for (int64_t seed : seeds) seeded[labels[seed]] = 1;
  seeded[0] = 0;
#pragma omp parallel for schedule(static) num_threads(context.num_threads())
  for (int64_t i = 0; i < count; ++i) output[i] = seeded[labels[i]];
}

}  // namespace medkern::cpu
