// Turns CUDA runtime errors into medkern::Error. Only for files compiled with CUDA.
#pragma once

#include <cuda_runtime_api.h>

namespace medkern {

// Throws Error(out_of_memory) for cudaErrorMemoryAllocation, Error(cuda_error) otherwise,
// naming `what` and the CUDA error.
void throw_cuda_error(cudaError_t error, const char* what);

inline void cuda_check(cudaError_t error, const char* what) {
  if (error != cudaSuccess) throw_cuda_error(error, what);
}

// Checks the launch just made (configuration errors surface here, not at the launch).
inline void cuda_check_launch(const char* kernel) {
  cuda_check(cudaGetLastError(), kernel);
}

}  // namespace medkern

namespace medkern {

// Makes `device` current for the guard's lifetime (CUDA's current device is per thread, and
// the caller's choice must survive a medkern call).
class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    cuda_check(cudaGetDevice(&previous_), "cudaGetDevice");
    if (previous_ != device) cuda_check(cudaSetDevice(device), "cudaSetDevice");
  }
  ~DeviceGuard() { cudaSetDevice(previous_); }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace medkern
