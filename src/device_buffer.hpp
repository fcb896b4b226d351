// A flat array of T in a context's pool, as RMM's device_uvector: the scratch arrays of the
// ops (counts, tables, forests, flags). What has a shape and a dtype is a Volume. On a CPU
// context the memory is host memory from the CPU pool, so that the CPU ops' scratch obeys
// its limit too (src/cpu/thread_scratch.hpp splits one among threads).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "context_state.hpp"
#include "medkern/context.hpp"

namespace medkern {

template <class T>
class DeviceBuffer {
  static_assert(std::is_trivially_copyable_v<T>, "a DeviceBuffer holds plain values");

 public:
  // `count` uninitialised elements on the context's device (host memory on a CPU context),
  // allocated in its stream's order with its tag. Zero elements allocate nothing; data() is
  // then null. Throws Error(out_of_memory) past the pool's limit or the memory there is.
  DeviceBuffer(const Context& context, std::size_t count)
      : context_(context.state()), count_(count) {
    if (count > std::size_t(INT64_MAX) / sizeof(T)) {
      throw Error(Status::overflow, "DeviceBuffer: " + std::to_string(count) + " elements of " +
                                        std::to_string(sizeof(T)) + " bytes exceed 2^63 bytes");
    }
    allocation_ = context.pool().allocate(count * sizeof(T), context.stream(), context.tag());
  }
  DeviceBuffer(DeviceBuffer&& other) noexcept
      : context_(std::move(other.context_)),
        allocation_(std::exchange(other.allocation_, Allocation{})),
        count_(std::exchange(other.count_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    if (this != &other) {
      release();
      context_ = std::move(other.context_);
      allocation_ = std::exchange(other.allocation_, Allocation{});
      count_ = std::exchange(other.count_, 0);
    }
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  // Frees in the order of the context's stream: work queued before may still use the memory.
  ~DeviceBuffer() { release(); }

  T* data() { return static_cast<T*>(allocation_.pointer); }
  const T* data() const { return static_cast<const T*>(allocation_.pointer); }
  std::size_t size() const { return count_; }

 private:
  void release() noexcept {
    if (context_) context_->pool->deallocate(allocation_, context_->stream);
    allocation_ = Allocation{};
  }

  std::shared_ptr<detail::ContextState> context_;  // keeps the stream alive for the free
  Allocation allocation_;
  std::size_t count_ = 0;
};

namespace detail {
// `count` values at `data` as a flat uint8 view, for medkern::copy.
template <class T>
VolumeRef flat_bytes(const T* data, std::size_t count, Device device) {
  return make_view(reinterpret_cast<const uint8_t*>(data),
                   Shape3{1, 1, static_cast<int64_t>(count * sizeof(T))}, {1, 1, 1}, device);
}
}  // namespace detail

// A buffer holding a copy of `values`; returns after the copy.
template <class T>
DeviceBuffer<T> make_device_buffer(const Context& context, const std::vector<T>& values) {
  DeviceBuffer<T> buffer(context, values.size());
  if (!values.empty()) {
    copy(context, detail::flat_bytes(values.data(), values.size(), Device::host()),
         detail::flat_bytes(buffer.data(), buffer.size(), context.device()));
  }
  return buffer;
}

// The buffer's values on the host, once the context's stream has reached them.
template <class T>
std::vector<T> make_host_vector(const Context& context, const DeviceBuffer<T>& buffer) {
  std::vector<T> values(buffer.size());
  if (!values.empty()) {
    copy(context, detail::flat_bytes(buffer.data(), buffer.size(), context.device()),
         detail::flat_bytes(values.data(), values.size(), Device::host()));
  }
  return values;
}

}  // namespace medkern
