// The two halves of medkern::copy (include/medkern/context.hpp): the host copy and the
// strided device copy.
#pragma once

#include "medkern/context.hpp"

namespace medkern {

namespace cpu {
// Any strides on both sides, both in host memory.
void copy(const VolumeRef& src, const VolumeRef& dst);
}  // namespace cpu

#if MEDKERN_WITH_CUDA
namespace cuda {
// Any strides on both sides, both on the context's device.
void copy(const Context& context, const VolumeRef& src, const VolumeRef& dst);
}  // namespace cuda
#endif

}  // namespace medkern
