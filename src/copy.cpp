#include <fmt/format.h>

#include <optional>

#include "checks.hpp"
#include "copy_backends.hpp"
#include "device_buffer.hpp"
#include "medkern/context.hpp"
#include "staging.hpp"
#if MEDKERN_WITH_CUDA
#include <cuda_runtime_api.h>

#include "cuda_check.hpp"
#endif

namespace medkern {

namespace {

VolumeRef contiguous_like(const VolumeRef& volume, void* data, Device device) {
  VolumeRef result = volume;
  result.data = data;
  result.strides = contiguous_strides(volume.shape);
  result.device = device;
  return result;
}

#if MEDKERN_WITH_CUDA
// A block of the pinned staging pool, returned when it goes out of scope. Callers
// synchronise the stream before that, so no copy still reads or writes it.
class PinnedBuffer {
 public:
  explicit PinnedBuffer(std::size_t bytes)
      : pool_(pinned_host_pool()), allocation_(pool_.allocate(bytes, nullptr)) {}
  ~PinnedBuffer() { pool_.deallocate(allocation_, nullptr); }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  void* data() const { return allocation_.pointer; }

 private:
  Pool& pool_;
  Allocation allocation_;
};

void copy_involving_device(const Context& context, const VolumeRef& src, const VolumeRef& dst) {
  const auto stream = static_cast<cudaStream_t>(context.stream());
  const std::size_t bytes = src.bytes();
  if (src.device.is_cuda() && dst.device.is_cuda()) {
    if (src.is_contiguous() && dst.is_contiguous()) {
      cuda_check(cudaMemcpyAsync(dst.data, src.data, bytes, cudaMemcpyDeviceToDevice, stream),
                 "copy: cudaMemcpyAsync");
    } else {
      cuda::copy(context, src, dst);
    }
    return;
  }
  PinnedBuffer pinned(bytes);
  const VolumeRef staged = contiguous_like(src, pinned.data(), Device::host());
  if (src.device.is_host()) {
    cpu::copy(src, staged);
    std::optional<DeviceBuffer<uint8_t>> gather;
    VolumeRef target = dst;
    if (!dst.is_contiguous()) {
      gather.emplace(context, bytes);
      target = contiguous_like(dst, gather->data(), context.device());
    }
    cuda_check(cudaMemcpyAsync(target.data, staged.data, bytes, cudaMemcpyHostToDevice, stream),
               "copy: cudaMemcpyAsync");
    if (gather) cuda::copy(context, target, dst);
    context.synchronize();
  } else {
    std::optional<DeviceBuffer<uint8_t>> packed;
    VolumeRef source = src;
    if (!src.is_contiguous()) {
      packed.emplace(context, bytes);
      source = contiguous_like(src, packed->data(), context.device());
      cuda::copy(context, src, source);
    }
    cuda_check(cudaMemcpyAsync(staged.data, source.data, bytes, cudaMemcpyDeviceToHost, stream),
               "copy: cudaMemcpyAsync");
    context.synchronize();
    cpu::copy(staged, dst);
  }
}
#endif

}  // namespace

void copy(const Context& context, const VolumeRef& src, const VolumeRef& dst) {
  validate_volume(src, "src");
  validate_volume(dst, "dst");
  if (src.dtype != dst.dtype) {
    throw Error(Status::unsupported_dtype,
                fmt::format("dst: dtype {} differs from src dtype {}", dtype_name(dst.dtype),
                            dtype_name(src.dtype)));
  }
  require_same_shape(src, "src", dst, "dst");
  require_reachable(context, src, "src");
  require_reachable(context, dst, "dst");
  if (src.device.is_host() && dst.device.is_host()) {
    cpu::copy(src, dst);
    return;
  }
#if MEDKERN_WITH_CUDA
  copy_involving_device(context, src, dst);
#endif
}

DeviceInput::DeviceInput(const Context& context, const VolumeRef& volume) : view_(volume) {
  if (volume.device.is_cuda() && volume.is_contiguous()) return;
  storage_.emplace(context, volume.bytes());
  view_ = contiguous_like(volume, storage_->data(), context.device());
  copy(context, volume, view_);
}

DeviceOutput::DeviceOutput(const Context& context, const VolumeRef& output)
    : context_(context), output_(output), view_(output) {
  if (output.device.is_cuda() && output.is_contiguous()) return;
  storage_.emplace(context, output.bytes());
  view_ = contiguous_like(output, storage_->data(), context.device());
}

void DeviceOutput::commit() {
  if (storage_) copy(context_, view_, output_);
}

}  // namespace medkern
