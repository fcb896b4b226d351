// Context: where ops run (the CPU, or CUDA device n with its stream), which pool they
// allocate from and with which tag.
#pragma once

#include <cstdint>
#include <memory>

#include "medkern/memory.hpp"
#include "medkern/volume.hpp"

namespace medkern {

namespace detail {
struct ContextState;
}

// The most threads a CPU context may ask for: 4 x the machine's hardware threads. Past the
// system's limits, starting threads fails inside the OpenMP runtime, which ends the process
// instead of reporting it; so larger counts are refused up front.
int max_cpu_threads();

// Throws Error(invalid_argument), naming `what` and the value, unless 0 <= num_threads <=
// max_cpu_threads().
void require_thread_count(int num_threads, const char* what);

class Context {
 public:
  // All cores when num_threads is 0; 0 .. max_cpu_threads().
  static Context cpu(int num_threads = 0);
  // A new non-blocking stream on `device` with CUDA stream priority `priority` (0 normal,
  // negative more urgent; clamped to the device's range).
  static Context cuda(int device = 0, int priority = 0);
  // Ops are ordered on `stream`, which the caller owns and keeps alive (e.g. CuPy's or
  // PyTorch's current stream), so that medkern composes with their work without syncs.
  static Context cuda_on_stream(int device, StreamHandle stream);
  // The first CUDA device if there is one, else the CPU.
  static Context automatic();

  Context(Context&&) noexcept = default;
  Context& operator=(Context&&) noexcept = default;
  ~Context();

  Device device() const;
  bool is_cuda() const { return device().is_cuda(); }
  StreamHandle stream() const;
  int num_threads() const;
  uint64_t tag() const;
  void set_tag(uint64_t tag);
  Pool& pool() const;
  // Blocks until the work submitted on this context has finished.
  void synchronize() const;

  const std::shared_ptr<detail::ContextState>& state() const { return state_; }

 private:
  explicit Context(std::shared_ptr<detail::ContextState> state) : state_(std::move(state)) {}
  std::shared_ptr<detail::ContextState> state_;
};

// An owning, C-contiguous volume in a context's pool, tagged with the context's tag. It
// keeps the context's stream alive and frees its memory in stream order.
template <class T>
class Volume {
 public:
  Volume(const Context& context, const Shape3& shape, const Spacing3& spacing = {1, 1, 1});
  Volume(Volume&& other) noexcept;
  Volume& operator=(Volume&& other) noexcept;
  Volume(const Volume&) = delete;
  Volume& operator=(const Volume&) = delete;
  ~Volume();

  VolumeView<T> view() const {
    return VolumeView<T>{data(), shape_, contiguous_strides(shape_), spacing_, device_};
  }
  operator VolumeRef() const { return view(); }
  T* data() const { return static_cast<T*>(allocation_.pointer); }
  const Shape3& shape() const { return shape_; }
  int64_t numel() const { return shape_[0] * shape_[1] * shape_[2]; }

 private:
  void release() noexcept;
  std::shared_ptr<detail::ContextState> context_;
  Allocation allocation_;
  Shape3 shape_;
  Spacing3 spacing_;
  Device device_;
};

extern template class Volume<int16_t>;
extern template class Volume<uint16_t>;
extern template class Volume<float>;
extern template class Volume<uint8_t>;
extern template class Volume<int32_t>;
extern template class Volume<uint64_t>;

// Copies src into dst: same dtype and shape, any strides, host or device either side.
// Ordered on the context's stream; returns after the copy when either side is on the host.
void copy(const Context& context, const VolumeRef& src, const VolumeRef& dst);

struct DeviceProperties {
  int32_t ordinal = 0;
  std::string name;
  int32_t compute_capability_major = 0;
  int32_t compute_capability_minor = 0;
  int32_t multiprocessors = 0;
  uint64_t total_memory_bytes = 0;
  uint64_t free_memory_bytes = 0;
};

// 0 in a CPU-only build or on a machine without a usable GPU.
int device_count();
DeviceProperties device_properties(int ordinal);
// CUDA encodes versions as 1000 * major + 10 * minor; 0 where there is no CUDA.
int cuda_driver_version();
int cuda_runtime_version();
// True when this build has CUDA support compiled in.
bool built_with_cuda();
const char* version_string();

}  // namespace medkern
