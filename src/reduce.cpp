#include <optional>

#include "reduce_backends.hpp"
#include "staging.hpp"

namespace medkern {

MinMax min_max(const Context& context, const VolumeRef& input, const VolumeRef* mask) {
  if (!context.is_cuda()) return cpu::min_max(context, input, mask);
#if MEDKERN_WITH_CUDA
  DeviceInput device_input(context, input);
  std::optional<DeviceInput> device_mask;
  if (mask) device_mask.emplace(context, *mask);
  return cuda::min_max(context, device_input.view(), device_mask ? &device_mask->view() : nullptr);
#else
  return cpu::min_max(context, input, mask);
#endif
}

}  // namespace medkern
