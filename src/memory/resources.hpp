// The base resources at the bottom of each pool's stack.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <vector>

#include "medkern/memory.hpp"

namespace medkern {

// Plain host memory, 256-byte aligned (a cache line multiple and CUDA's alignment).
class HostResource final : public MemoryResource {
 public:
  void* allocate(std::size_t bytes, StreamHandle stream) override;
  void deallocate(void* pointer, std::size_t bytes, StreamHandle stream) noexcept override;
  std::size_t bytes_reserved() const override;

 private:
  std::atomic<std::size_t> reserved_{0};
};

#if MEDKERN_WITH_CUDA
// Stream-ordered device memory from a CUDA memory pool of our own (not the device's default
// pool, so that other libraries' settings do not change ours). Freed blocks stay cached in
// the pool until trim(); a warm allocate/free pair costs about a microsecond.
class CudaAsyncResource final : public MemoryResource {
 public:
  explicit CudaAsyncResource(int device);
  ~CudaAsyncResource() override;
  void* allocate(std::size_t bytes, StreamHandle stream) override;
  void deallocate(void* pointer, std::size_t bytes, StreamHandle stream) noexcept override;
  std::size_t bytes_reserved() const override;
  void trim() override;

 private:
  int device_;
  void* pool_;  // cudaMemPool_t
};

// Page-locked host memory for staging copies. cudaMallocHost costs milliseconds, so freed
// blocks are kept by size class (powers of two) and reused.
class PinnedHostResource final : public MemoryResource {
 public:
  ~PinnedHostResource() override;
  void* allocate(std::size_t bytes, StreamHandle stream) override;
  void deallocate(void* pointer, std::size_t bytes, StreamHandle stream) noexcept override;
  std::size_t bytes_reserved() const override;
  void trim() override;

 private:
  static std::size_t size_class(std::size_t bytes);
  mutable std::mutex mutex_;
  std::map<std::size_t, std::vector<void*>> free_blocks_;
  std::size_t reserved_ = 0;
};
#endif

}  // namespace medkern
