// Moving op arguments to where the CUDA kernels want them: device memory, C-contiguous.
// Arguments that already are so pass through without a copy.
#pragma once

#include <optional>

#include "medkern/context.hpp"

namespace medkern {

// A device-resident, C-contiguous stand-in for an input of a CUDA context's op. Host data
// is packed through pinned memory and copied in; strided device data is gathered.
class DeviceInput {
 public:
  DeviceInput(const Context& context, const VolumeRef& volume);
  const VolumeRef& view() const { return view_; }

 private:
  std::optional<Volume<uint8_t>> storage_;
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
  std::optional<Volume<uint8_t>> storage_;
  VolumeRef view_;
};

}  // namespace medkern
