#include <fmt/format.h>

#include "medkern/context.hpp"
#if MEDKERN_WITH_CUDA
#include <cuda_runtime_api.h>

#include "cuda_check.hpp"
#endif

namespace medkern {

const char* version_string() {
  return "0.3.0";
}

bool built_with_cuda() {
  return MEDKERN_WITH_CUDA != 0;
}

int device_count() {
#if MEDKERN_WITH_CUDA
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // no driver or no GPU: a CPU machine, not an error
    return 0;
  }
  return count;
#else
  return 0;
#endif
}

DeviceProperties device_properties(int ordinal) {
  const int count = device_count();
  if (ordinal < 0 || ordinal >= count) {
    throw Error(Status::no_device,
                fmt::format("ordinal: cuda:{} does not exist ({} CUDA devices)", ordinal, count));
  }
  DeviceProperties result;
#if MEDKERN_WITH_CUDA
  cudaDeviceProp props{};
  cuda_check(cudaGetDeviceProperties(&props, ordinal), "cudaGetDeviceProperties");
  result.ordinal = ordinal;
  result.name = props.name;
  result.compute_capability_major = props.major;
  result.compute_capability_minor = props.minor;
  result.multiprocessors = props.multiProcessorCount;
  result.total_memory_bytes = props.totalGlobalMem;
  DeviceGuard guard(ordinal);
  std::size_t free_bytes = 0, total_bytes = 0;
  cuda_check(cudaMemGetInfo(&free_bytes, &total_bytes), "cudaMemGetInfo");
  result.free_memory_bytes = free_bytes;
#endif
  return result;
}

int cuda_driver_version() {
#if MEDKERN_WITH_CUDA
  int version = 0;
  if (cudaDriverGetVersion(&version) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return version;
#else
  return 0;
#endif
}

int cuda_runtime_version() {
#if MEDKERN_WITH_CUDA
  int version = 0;
  if (cudaRuntimeGetVersion(&version) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return version;
#else
  return 0;
#endif
}

}  // namespace medkern
