#include <fmt/format.h>

#include <memory>
#include <mutex>
#include <vector>

#include "medkern/context.hpp"
#include "medkern/memory.hpp"
#include "memory/resources.hpp"
#if MEDKERN_WITH_CUDA
#include "cuda_check.hpp"
#endif

namespace medkern {

Pool::Pool(Device device, std::unique_ptr<MemoryResource> base)
    : device_(device),
      base_(std::move(base)),
      limit_(*base_),
      statistics_(limit_),
      tagging_(statistics_) {}

std::size_t Pool::release_tag(uint64_t tag) {
  if (tag == 0) {
    // Every allocation made without a tag carries 0, other threads' in-flight work included.
    throw Error(Status::invalid_argument,
                "tag: 0 is the default tag of every allocation and cannot be released");
  }
#if MEDKERN_WITH_CUDA
  if (device_.is_cuda()) {
    // The memory may still be read by queued kernels of any stream: wait for all of them,
    // then free in the legacy stream, which now has nothing before it.
    DeviceGuard guard(device_.ordinal);
    cuda_check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
    return tagging_.release_tag(tag, nullptr);
  }
#endif
  return tagging_.release_tag(tag, nullptr);
}

PoolStats Pool::stats() const {
  PoolStats stats = statistics_.stats();
  stats.limit_bytes = limit_.limit();
  return stats;
}

namespace {

// Pools are never destroyed: a pool freed after the CUDA runtime has shut down would fail.
struct PoolRegistry {
  std::mutex mutex;
  Pool* host = nullptr;
  Pool* pinned = nullptr;
  std::vector<Pool*> devices;
};

PoolRegistry& registry() {
  static PoolRegistry* instance = new PoolRegistry();
  return *instance;
}

}  // namespace

Pool& pool_for(Device device) {
  PoolRegistry& pools = registry();
  std::lock_guard<std::mutex> lock(pools.mutex);
  if (device.is_host()) {
    if (pools.host == nullptr)
      pools.host = new Pool(Device::host(), std::make_unique<HostResource>());
    return *pools.host;
  }
  const int count = device_count();
  if (device.ordinal >= count) {
    throw Error(Status::no_device, fmt::format("device: cuda:{} does not exist ({} CUDA devices)",
                                               device.ordinal, count));
  }
#if MEDKERN_WITH_CUDA
  if (pools.devices.size() < static_cast<std::size_t>(count)) pools.devices.resize(count, nullptr);
  Pool*& pool = pools.devices[device.ordinal];
  if (pool == nullptr) {
    pool = new Pool(device, std::make_unique<CudaAsyncResource>(device.ordinal));
  }
  return *pool;
#else
  throw Error(Status::no_device, "device: this build of medkern has no CUDA support");
#endif
}

Pool& pinned_host_pool() {
  PoolRegistry& pools = registry();
  std::lock_guard<std::mutex> lock(pools.mutex);
  if (pools.pinned == nullptr) {
#if MEDKERN_WITH_CUDA
    if (device_count() > 0) {
      pools.pinned = new Pool(Device::host(), std::make_unique<PinnedHostResource>());
      return *pools.pinned;
    }
#endif
    pools.pinned = new Pool(Device::host(), std::make_unique<HostResource>());
  }
  return *pools.pinned;
}

}  // namespace medkern
