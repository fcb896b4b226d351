// The threshold's backends (src/cpu/threshold.cpp, kernels/threshold.cu).
#pragma once

#include "medkern/context.hpp"
#include "medkern/threshold.hpp"

namespace medkern {

namespace cpu {
void threshold(const Context& context, const VolumeRef& input, const VolumeRef& output,
               const ThresholdParams& params);
}  // namespace cpu

#if MEDKERN_WITH_CUDA
namespace cuda {
void threshold(const Context& context, const VolumeRef& input, const VolumeRef& output,
               const ThresholdParams& params);
}  // namespace cuda
#endif

}  // namespace medkern
