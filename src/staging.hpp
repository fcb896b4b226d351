// Moving op arguments to where the CUDA kernels want them: device memory, C-contiguous.
// Arguments that already are so pass through without a copy.
#pragma once

#include <optional>
#include <type_traits>
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

// Runs an op from `input` into `output`, the one path of every op of that shape:
// `cpu_op(input, output)` on a CPU context; on a CUDA context `cuda_op(in, out)` on
// device-resident, C-contiguous stand-ins (DeviceInput, DeviceOutput: the arguments
// themselves when they are so), `out` committed into `output` after. Returns what the op
// returns.
template <class CpuOp, class CudaOp>
decltype(auto) run_op(const Context& context, const VolumeRef& input, const VolumeRef& output,
                      CpuOp&& cpu_op, [[maybe_unused]] CudaOp&& cuda_op) {
  using Result = decltype(cpu_op(input, output));
  if (!context.is_cuda()) return cpu_op(input, output);
#if MEDKERN_WITH_CUDA
  DeviceInput device_input(context, input);
  DeviceOutput device_output(context, output);
  if constexpr (std::is_void_v<Result>) {
    cuda_op(device_input.view(), device_output.view());
    device_output.commit();
  } else {
    Result result = cuda_op(device_input.view(), device_output.view());
    device_output.commit();
    return result;
  }
#else
  return Result();  // a CPU-only build has no CUDA context
#endif
}

// run_op for a neighbourhood filter, whose passes must never read what they wrote:
// `cpu_op(in, data)` and `cuda_op(in, data)` write `data`, a contiguous buffer of output's
// dtype on the context's device that never overlaps the input (the output itself when it can
// be, else a buffer copied into it at the end).
template <class CpuOp, class CudaOp>
void run_filter(const Context& context, const VolumeRef& input, const VolumeRef& output,
                CpuOp&& cpu_op, [[maybe_unused]] CudaOp&& cuda_op) {
  run_op(
      context, input, output,
      [&](const VolumeRef& in, const VolumeRef& out) {
        if (out.is_contiguous() && !memory_overlaps(in, out)) return cpu_op(in, out.data);
        std::vector<unsigned char> packed(out.bytes());
        VolumeRef staged = out;
        staged.data = packed.data();
        staged.strides = contiguous_strides(out.shape);
        cpu_op(in, staged.data);
        copy(context, staged, out);
      },
      [&]([[maybe_unused]] const VolumeRef& in, [[maybe_unused]] const VolumeRef& out) {
#if MEDKERN_WITH_CUDA
        if (!memory_overlaps(in, out)) return cuda_op(in, out.data);
        DeviceBuffer<uint8_t> separate(context, out.bytes());
        VolumeRef staged = out;
        staged.data = separate.data();
        cuda_op(in, staged.data);
        copy(context, staged, out);
#endif
      });
}

}  // namespace medkern
