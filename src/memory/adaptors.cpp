#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "medkern/memory.hpp"

namespace medkern {

void* LimitingAdaptor::allocate(std::size_t bytes, StreamHandle stream) {
  // Reserve first, so that concurrent allocations cannot jointly pass the limit.
  const std::size_t before = in_use_.fetch_add(bytes);
  const std::size_t limit = limit_.load();
  if (limit != 0 && (before + bytes > limit || before + bytes < before)) {
    in_use_.fetch_sub(bytes);
    throw Error(Status::out_of_memory,
                fmt::format("pool limit: allocating {} bytes with {} in use would pass the "
                            "limit of {} bytes",
                            bytes, before, limit));
  }
  try {
    return upstream_.allocate(bytes, stream);
  } catch (...) {
    in_use_.fetch_sub(bytes);
    throw;
  }
}

void LimitingAdaptor::deallocate(void* pointer, std::size_t bytes, StreamHandle stream) noexcept {
  upstream_.deallocate(pointer, bytes, stream);
  in_use_.fetch_sub(bytes);
}

void* StatisticsAdaptor::allocate(std::size_t bytes, StreamHandle stream) {
  void* pointer = nullptr;
  try {
    pointer = upstream_.allocate(bytes, stream);
  } catch (const Error& error) {
    if (error.status() == Status::out_of_memory) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.failures;
    }
    throw;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.bytes_in_use += bytes;
  stats_.peak_bytes_in_use = std::max(stats_.peak_bytes_in_use, stats_.bytes_in_use);
  ++stats_.allocations;
  ++stats_.live_allocations;
  return pointer;
}

void StatisticsAdaptor::deallocate(void* pointer, std::size_t bytes, StreamHandle stream) noexcept {
  upstream_.deallocate(pointer, bytes, stream);
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.bytes_in_use -= bytes;
  ++stats_.deallocations;
  --stats_.live_allocations;
}

PoolStats StatisticsAdaptor::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  PoolStats stats = stats_;
  stats.bytes_reserved = upstream_.bytes_reserved();
  return stats;
}

void StatisticsAdaptor::reset_peak() {
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.peak_bytes_in_use = stats_.bytes_in_use;
}

Allocation TaggingAdaptor::allocate(std::size_t bytes, StreamHandle stream, uint64_t tag) {
  if (bytes == 0) return Allocation{};
  void* pointer = upstream_.allocate(bytes, stream);
  std::lock_guard<std::mutex> lock(mutex_);
  const uint64_t id = next_id_++;
  live_.emplace(id, Record{pointer, bytes, tag});
  return Allocation{pointer, bytes, id};
}

void TaggingAdaptor::deallocate(const Allocation& allocation, StreamHandle stream) noexcept {
  if (allocation.id == 0) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (live_.erase(allocation.id) == 0) return;  // released with its tag already
  }
  upstream_.deallocate(allocation.pointer, allocation.bytes, stream);
}

std::size_t TaggingAdaptor::release_tag(uint64_t tag, StreamHandle stream) {
  std::vector<Record> released;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = live_.begin(); it != live_.end();) {
      if (it->second.tag == tag) {
        released.push_back(it->second);
        it = live_.erase(it);
      } else {
        ++it;
      }
    }
  }
  std::size_t bytes = 0;
  for (const Record& record : released) {
    upstream_.deallocate(record.pointer, record.bytes, stream);
    bytes += record.bytes;
  }
  return bytes;
}

bool TaggingAdaptor::is_live(const Allocation& allocation) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return live_.count(allocation.id) != 0;
}

std::size_t TaggingAdaptor::bytes_with_tag(uint64_t tag) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t bytes = 0;
  for (const auto& entry : live_) {
    if (entry.second.tag == tag) bytes += entry.second.bytes;
  }
  return bytes;
}

}  // namespace medkern
