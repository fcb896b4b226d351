// Launch and dispatch of the strided copy (device code in copy.cuh).
#include "copy_backends.hpp"
#include "kernels/copy.cuh"
#include "kernels/launch.cuh"

namespace medkern::cuda {

namespace {

template <class Policy, class Element>
void launch_copy(const Context& context, const VolumeRef& src, const VolumeRef& dst) {
  kernels::StridedLayout layout{src.shape[1],
                                src.shape[2],
                                {src.strides[0], src.strides[1], src.strides[2]},
                                {dst.strides[0], dst.strides[1], dst.strides[2]}};
  const int64_t count = src.numel();
  kernels::copy_strided<Element><<<grid_for(context, count, Policy::kThreads, Policy::kBlocksPerSm),
                                   Policy::kThreads, 0, stream_of(context)>>>(
      static_cast<const Element*>(src.data), static_cast<Element*>(dst.data), count, layout);
  cuda_check_launch("copy_strided");
}

template <class Policy>
void copy_with(const Context& context, const VolumeRef& src, const VolumeRef& dst) {
  switch (dtype_size(src.dtype)) {
    case 1:
      return launch_copy<Policy, uint8_t>(context, src, dst);
    case 2:
      return launch_copy<Policy, uint16_t>(context, src, dst);
    case 4:
      return launch_copy<Policy, uint32_t>(context, src, dst);
    case 8:
      return launch_copy<Policy, uint64_t>(context, src, dst);
    default:
      throw Error(Status::internal, "copy: element size not handled");
  }
}
}  // namespace

void copy(const Context& context, const VolumeRef& src, const VolumeRef& dst) {
  DeviceGuard guard(context.device().ordinal);
  with_policy<CopyPolicy>(context,
                          [&](auto policy) { copy_with<decltype(policy)>(context, src, dst); });
}

}  // namespace medkern::cuda
