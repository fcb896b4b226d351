// Moving op arguments to where the CUDA kernels want them: device memory, C-contiguous.
// Arguments that already are so pass through without a copy.
#pragma once

#include <optional>
#include <vector>

#include "checks.hpp"
#include "device_buffer.hpp"
#include "medkern/context.hpp"

namespace medkern {

// A device-resident, C-contiguous stand-in for an input of a CUDA context's op. Host data
// is packed through pinned memory and copied in; strided device data is gathered.
class DeviceInput {
 public:
  DeviceInput(const Context& context, const VolumeRef& volume);
  const VolumeRef& view() const { return view_; }

 private:
  std::optional<DeviceBuffer<uint8_t>> storage_;
  VolumeRef view_;
};

// A device-resident, C-contiguous stand-in for an output of a CUDA context's op: the output
// itself when it is so, else a buffer that commit() copies into the output (returning after
// the copy when the output is in host memory).
class DeviceOutput {
 public:
  DeviceOutput(const Context& context, const VolumeRef& output);
  const VolumeRef& view() const { return view_; }
  void commit();

 private:
  const Context& context_;
  VolumeRef output_;
  std::optional<DeviceBuffer<uint8_t>> storage_;
  VolumeRef view_;
};

// Runs a neighbourhood filter from `input` into `output` (same shape): `cpu_op(input,
// data)` on a CPU context, `cuda_op(device_input, data)` on a CUDA context, where `data` is
// a contiguous buffer of output's dtype on the context's device that never overlaps the input
// (the output itself when it can be, else a buffer copied into it at the end).
template <class CpuOp, class CudaOp>
void run_filter(const Context& context, const VolumeRef& input, const VolumeRef& output,
                CpuOp&& cpu_op, [[maybe_unused]] CudaOp&& cuda_op) {
  if (!context.is_cuda()) {
    if (output.is_contiguous() && !memory_overlaps(input, output)) {
      cpu_op(input, output.data);
      return;
    }
    std::vector<unsigned char> packed(output.bytes());
    VolumeRef staged = output;
    staged.data = packed.data();
    staged.strides = contiguous_strides(output.shape);
    cpu_op(input, staged.data);
    copy(context, staged, output);
    return;
  }
#if MEDKERN_WITH_CUDA
  DeviceInput device_input(context, input);
  DeviceOutput device_output(context, output);
  if (memory_overlaps(device_input.view(), device_output.view())) {
    DeviceBuffer<uint8_t> separate(context, output.bytes());
    VolumeRef staged = device_output.view();
    staged.data = separate.data();
    cuda_op(device_input.view(), staged.data);
    copy(context, staged, device_output.view());
  } else {
    cuda_op(device_input.view(), device_output.view().data);
  }
  device_output.commit();
#endif
}

}  // namespace medkern
