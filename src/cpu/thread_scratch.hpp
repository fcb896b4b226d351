// Per-thread scratch of the CPU ops, taken from the context's pool before a parallel region.
// An allocation that fails inside an OpenMP region cannot be reported (the exception ends the
// process through std::terminate); and through the pool the CPU ops obey its limit as the
// CUDA ones do.
#pragma once

#include <cstddef>
#include <string>

#include "device_buffer.hpp"

namespace medkern::cpu {

template <class T>
class ThreadScratch {
 public:
  // `per_thread` uninitialised elements for each of `threads` threads.
  ThreadScratch(const Context& context, int threads, std::size_t per_thread)
      : buffer_(context, checked_count(threads, per_thread)), per_thread_(per_thread) {}

  // The elements of thread `thread` (0 .. threads - 1).
  T* of(int thread) { return buffer_.data() + std::size_t(thread) * per_thread_; }
  std::size_t per_thread() const { return per_thread_; }

 private:
  static std::size_t checked_count(int threads, std::size_t per_thread) {
    const std::size_t count = threads > 0 ? std::size_t(threads) : 0;
    if (per_thread != 0 && count > SIZE_MAX / per_thread) {
      throw Error(Status::overflow, "scratch: " + std::to_string(count) + " threads x " +
                                        std::to_string(per_thread) + " elements overflow");
    }
    return count * per_thread;
  }

  DeviceBuffer<T> buffer_;
  std::size_t per_thread_;
};

}  // namespace medkern::cpu
