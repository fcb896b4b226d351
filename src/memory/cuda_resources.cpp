#include <cuda_runtime_api.h>
#include <fmt/format.h>

#include <cstdint>
#include <limits>

#include "cuda_check.hpp"
#include "memory/resources.hpp"

namespace medkern {

CudaAsyncResource::CudaAsyncResource(int device) : device_(device), pool_(nullptr) {
  cudaMemPoolProps props{};
  props.allocType = cudaMemAllocationTypePinned;
  props.location.type = cudaMemLocationTypeDevice;
  props.location.id = device;
  cudaMemPool_t pool = nullptr;
  cuda_check(cudaMemPoolCreate(&pool, &props), "cudaMemPoolCreate");
  // Keep freed memory cached in the pool instead of returning it at every synchronisation.
  uint64_t threshold = std::numeric_limits<uint64_t>::max();
  cuda_check(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold),
             "cudaMemPoolSetAttribute");
  pool_ = pool;
}

CudaAsyncResource::~CudaAsyncResource() {
  cudaMemPoolDestroy(static_cast<cudaMemPool_t>(pool_));
}

void* CudaAsyncResource::allocate(std::size_t bytes, StreamHandle stream) {
  void* pointer = nullptr;
  const cudaError_t error = cudaMallocFromPoolAsync(
      &pointer, bytes, static_cast<cudaMemPool_t>(pool_), static_cast<cudaStream_t>(stream));
  if (error != cudaSuccess) {
    cudaGetLastError();
    if (error == cudaErrorMemoryAllocation) {
      throw Error(Status::out_of_memory,
                  fmt::format("cuda:{}: out of device memory allocating {} bytes", device_, bytes));
    }
    throw_cuda_error(error, "cudaMallocFromPoolAsync");
  }
  return pointer;
}

void CudaAsyncResource::deallocate(void* pointer, std::size_t, StreamHandle stream) noexcept {
  cudaFreeAsync(pointer, static_cast<cudaStream_t>(stream));
}

std::size_t CudaAsyncResource::bytes_reserved() const {
  uint64_t reserved = 0;
  cudaMemPoolGetAttribute(static_cast<cudaMemPool_t>(pool_), cudaMemPoolAttrReservedMemCurrent,
                          &reserved);
  return reserved;
}

void CudaAsyncResource::trim() {
  DeviceGuard guard(device_);
  cuda_check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  cuda_check(cudaMemPoolTrimTo(static_cast<cudaMemPool_t>(pool_), 0), "cudaMemPoolTrimTo");
}

PinnedHostResource::~PinnedHostResource() {
  trim();
}

std::size_t PinnedHostResource::size_class(std::size_t bytes) {
  std::size_t size = 4096;
  while (size < bytes) size *= 2;
  return size;
}

void* PinnedHostResource::allocate(std::size_t bytes, StreamHandle) {
  const std::size_t size = size_class(bytes);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_blocks_.find(size);
    if (it != free_blocks_.end() && !it->second.empty()) {
      void* pointer = it->second.back();
      it->second.pop_back();
      return pointer;
    }
  }
  void* pointer = nullptr;
  const cudaError_t error = cudaMallocHost(&pointer, size);
  if (error != cudaSuccess) {
    cudaGetLastError();
    throw Error(Status::out_of_memory,
                fmt::format("pinned host memory: could not allocate {} bytes ({})", size,
                            cudaGetErrorString(error)));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  reserved_ += size;
  return pointer;
}

void PinnedHostResource::deallocate(void* pointer, std::size_t bytes, StreamHandle) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  free_blocks_[size_class(bytes)].push_back(pointer);
}

std::size_t PinnedHostResource::bytes_reserved() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reserved_;
}

void PinnedHostResource::trim() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& entry : free_blocks_) {
    for (void* pointer : entry.second) {
      cudaFreeHost(pointer);
      reserved_ -= entry.first;
    }
  }
  free_blocks_.clear();
}

}  // namespace medkern
