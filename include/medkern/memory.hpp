// Memory resources in RMM's manner: a small interface (allocate, deallocate, on a stream)
// and adaptors that add one concern each (a capacity limit, statistics, tags). A Pool is
// the stack medkern uses for one device; pool_for() gives the one process-wide pool of a
// device (Device::host() is the CPU pool).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "medkern/volume.hpp"

namespace medkern {

using StreamHandle = void*;  // a cudaStream_t; nullptr on the CPU

class MemoryResource {
 public:
  virtual ~MemoryResource() = default;
  // Throws Error(out_of_memory) when the memory cannot be had; never returns null for
  // bytes > 0.
  virtual void* allocate(std::size_t bytes, StreamHandle stream) = 0;
  virtual void deallocate(void* pointer, std::size_t bytes, StreamHandle stream) noexcept = 0;
  // Bytes held from the system, in use or cached.
  virtual std::size_t bytes_reserved() const { return 0; }
  // Gives cached memory back to the system.
  virtual void trim() {}
};

// Refuses allocations that would take the bytes in use past a limit (0 = none).
class LimitingAdaptor final : public MemoryResource {
 public:
  explicit LimitingAdaptor(MemoryResource& upstream, std::size_t limit = 0)
      : upstream_(upstream), limit_(limit) {}
  void* allocate(std::size_t bytes, StreamHandle stream) override;
  void deallocate(void* pointer, std::size_t bytes, StreamHandle stream) noexcept override;
  std::size_t bytes_reserved() const override { return upstream_.bytes_reserved(); }
  void trim() override { upstream_.trim(); }
  void set_limit(std::size_t limit) { limit_ = limit; }
  std::size_t limit() const { return limit_; }

 private:
  MemoryResource& upstream_;
  std::atomic<std::size_t> limit_;
  std::atomic<std::size_t> in_use_{0};
};

struct PoolStats {
  uint64_t bytes_in_use = 0;
  uint64_t peak_bytes_in_use = 0;
  uint64_t bytes_reserved = 0;
  uint64_t limit_bytes = 0;
  uint64_t allocations = 0;
  uint64_t deallocations = 0;
  uint64_t failures = 0;
  uint64_t live_allocations = 0;
};

// Counts what passes through it: bytes in use and their peak, allocations, frees, and
// allocations that the resources below refused.
class StatisticsAdaptor final : public MemoryResource {
 public:
  explicit StatisticsAdaptor(MemoryResource& upstream) : upstream_(upstream) {}
  void* allocate(std::size_t bytes, StreamHandle stream) override;
  void deallocate(void* pointer, std::size_t bytes, StreamHandle stream) noexcept override;
  std::size_t bytes_reserved() const override { return upstream_.bytes_reserved(); }
  void trim() override { upstream_.trim(); }
  PoolStats stats() const;  // limit_bytes left 0: the limit lives elsewhere
  void reset_peak();

 private:
  MemoryResource& upstream_;
  mutable std::mutex mutex_;
  PoolStats stats_;
};

// One live allocation of a TaggingAdaptor. `id` is unique for the process, so that a
// pointer reused after a tag release is never freed twice.
struct Allocation {
  void* pointer = nullptr;
  std::size_t bytes = 0;
  uint64_t id = 0;
};

// Remembers each live allocation with a tag (a PACS backend tags by study), and frees all
// of a tag's allocations at once.
class TaggingAdaptor {
 public:
  explicit TaggingAdaptor(MemoryResource& upstream) : upstream_(upstream) {}
  Allocation allocate(std::size_t bytes, StreamHandle stream, uint64_t tag);
  // Frees `allocation` unless a tag release has freed it already.
  void deallocate(const Allocation& allocation, StreamHandle stream) noexcept;
  // Frees every live allocation with `tag` on `stream`; returns the bytes freed.
  std::size_t release_tag(uint64_t tag, StreamHandle stream);
  std::size_t bytes_with_tag(uint64_t tag) const;
  // False once `allocation` is freed, by deallocate or by its tag's release.
  bool is_live(const Allocation& allocation) const;

 private:
  struct Record {
    void* pointer;
    std::size_t bytes;
    uint64_t tag;
  };
  MemoryResource& upstream_;
  mutable std::mutex mutex_;
  std::unordered_map<uint64_t, Record> live_;
  uint64_t next_id_ = 1;
};

// The stack of one device: base resource -> limit -> statistics -> tags.
class Pool {
 public:
  Pool(Device device, std::unique_ptr<MemoryResource> base);
  Device device() const { return device_; }

  Allocation allocate(std::size_t bytes, StreamHandle stream, uint64_t tag = 0) {
    return tagging_.allocate(bytes, stream, tag);
  }
  void deallocate(const Allocation& allocation, StreamHandle stream) noexcept {
    tagging_.deallocate(allocation, stream);
  }
  // Waits for the device to be idle first, so that no queued work still uses the memory.
  // Tag 0, the default of every allocation, is refused (Error(invalid_argument)).
  std::size_t release_tag(uint64_t tag);
  std::size_t bytes_with_tag(uint64_t tag) const { return tagging_.bytes_with_tag(tag); }
  bool is_live(const Allocation& allocation) const { return tagging_.is_live(allocation); }

  PoolStats stats() const;
  void reset_peak() { statistics_.reset_peak(); }
  void set_limit(std::size_t bytes) { limit_.set_limit(bytes); }
  void trim() { statistics_.trim(); }

 private:
  Device device_;
  std::unique_ptr<MemoryResource> base_;
  LimitingAdaptor limit_;
  StatisticsAdaptor statistics_;
  TaggingAdaptor tagging_;
};

// The process-wide pool of `device` (created on first use; never destroyed, so that
// nothing is freed after the CUDA runtime has shut down). Throws Error(no_device) for a
// CUDA ordinal that does not exist.
Pool& pool_for(Device device);

// Page-locked host memory for staging copies; the CPU pool in a CPU-only build.
Pool& pinned_host_pool();

}  // namespace medkern
