#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <thread>

#include "context_state.hpp"
#include "medkern/context.hpp"
#if MEDKERN_WITH_CUDA
#include <cuda_runtime_api.h>

#include "cuda_check.hpp"
#endif

namespace medkern {

namespace detail {
ContextState::~ContextState() {
#if MEDKERN_WITH_CUDA
  // A borrowed stream is the caller's: it may already be gone, so it is not touched.
  if (device.is_cuda() && owns_stream) {
    cudaStreamSynchronize(static_cast<cudaStream_t>(stream));
    cudaStreamDestroy(static_cast<cudaStream_t>(stream));
  }
#endif
}
}  // namespace detail

namespace {

#if MEDKERN_WITH_CUDA
void require_cuda_device(int device) {
  const int count = device_count();
  if (device < 0 || device >= count) {
    throw Error(Status::no_device,
                fmt::format("device: cuda:{} does not exist ({} CUDA devices)", device, count));
  }
}
#endif

}  // namespace

int max_cpu_threads() {
  constexpr int kThreadsPerHardwareThread = 4;
  const int hardware = std::max(1, int(std::thread::hardware_concurrency()));
  return kThreadsPerHardwareThread * std::max(hardware, omp_get_max_threads());
}

void require_thread_count(int num_threads, const char* what) {
  if (num_threads < 0 || num_threads > max_cpu_threads()) {
    throw Error(Status::invalid_argument,
                fmt::format("{}: {} must be 0 (all cores) or 1 .. {} (4 x the hardware threads)",
                            what, num_threads, max_cpu_threads()));
  }
}

Context Context::cpu(int num_threads) {
  require_thread_count(num_threads, "num_threads");
  auto state = std::make_shared<detail::ContextState>();
  state->device = Device::host();
  state->num_threads = num_threads == 0 ? omp_get_max_threads() : num_threads;
  state->pool = &pool_for(Device::host());
  return Context(std::move(state));
}

Context Context::cuda(int device, int priority) {
#if MEDKERN_WITH_CUDA
  require_cuda_device(device);
  DeviceGuard guard(device);
  int least = 0, greatest = 0;
  cuda_check(cudaDeviceGetStreamPriorityRange(&least, &greatest),
             "cudaDeviceGetStreamPriorityRange");
  // CUDA counts urgency downwards: greatest is the most negative.
  const int clamped = priority < greatest ? greatest : (priority > least ? least : priority);
  cudaStream_t stream = nullptr;
  cuda_check(cudaStreamCreateWithPriority(&stream, cudaStreamNonBlocking, clamped),
             "cudaStreamCreateWithPriority");
  auto state = std::make_shared<detail::ContextState>();
  state->device = Device::cuda(device);
  state->stream = stream;
  state->owns_stream = true;
  state->num_threads = omp_get_max_threads();
  state->pool = &pool_for(Device::cuda(device));
  return Context(std::move(state));
#else
  (void)priority;
  throw Error(Status::no_device,
              fmt::format("device: cuda:{} requested, but this build of medkern has no CUDA "
                          "support",
                          device));
#endif
}

Context Context::cuda_on_stream(int device, StreamHandle stream) {
#if MEDKERN_WITH_CUDA
  require_cuda_device(device);
  auto state = std::make_shared<detail::ContextState>();
  state->device = Device::cuda(device);
  state->stream = stream;
  state->owns_stream = false;
  state->num_threads = omp_get_max_threads();
  state->pool = &pool_for(Device::cuda(device));
  return Context(std::move(state));
#else
  (void)stream;
  throw Error(Status::no_device,
              fmt::format("device: cuda:{} requested, but this build of medkern has no CUDA "
                          "support",
                          device));
#endif
}

Context Context::automatic() {
  return device_count() > 0 ? cuda(0) : cpu();
}

Context::~Context() = default;

Device Context::device() const {
  return state_->device;
}
StreamHandle Context::stream() const {
  return state_->stream;
}
int Context::num_threads() const {
  return state_->num_threads;
}
uint64_t Context::tag() const {
  return state_->tag.load();
}
void Context::set_tag(uint64_t tag) {
  state_->tag.store(tag);
}
Pool& Context::pool() const {
  return *state_->pool;
}

void Context::synchronize() const {
#if MEDKERN_WITH_CUDA
  if (state_->device.is_cuda()) {
    cuda_check(cudaStreamSynchronize(static_cast<cudaStream_t>(state_->stream)),
               "cudaStreamSynchronize");
  }
#endif
}

template <class T>
Volume<T>::Volume(const Context& context, const Shape3& shape, const Spacing3& spacing)
    : context_(context.state()), shape_(shape), spacing_(spacing), device_(context.device()) {
  // The view the volume will be, checked before its memory exists: a placeholder non-null
  // pointer lets validate_volume check extents, spacing and the byte count's overflow.
  VolumeRef probe{reinterpret_cast<void*>(alignof(T)), dtype_of<T>, shape,
                  contiguous_strides(shape),           spacing,     device_};
  validate_volume(probe, "Volume");
  allocation_ = context.pool().allocate(probe.bytes(), context.stream(), context.tag());
}

template <class T>
Volume<T>::Volume(Volume&& other) noexcept
    : context_(std::move(other.context_)),
      allocation_(other.allocation_),
      shape_(other.shape_),
      spacing_(other.spacing_),
      device_(other.device_) {
  other.allocation_ = Allocation{};
}

template <class T>
Volume<T>& Volume<T>::operator=(Volume&& other) noexcept {
  if (this != &other) {
    release();
    context_ = std::move(other.context_);
    allocation_ = other.allocation_;
    shape_ = other.shape_;
    spacing_ = other.spacing_;
    device_ = other.device_;
    other.allocation_ = Allocation{};
  }
  return *this;
}

template <class T>
Volume<T>::~Volume() {
  release();
}

template <class T>
void Volume<T>::release() noexcept {
  if (context_ && allocation_.id != 0) context_->pool->deallocate(allocation_, context_->stream);
  allocation_ = Allocation{};
}

template class Volume<int16_t>;
template class Volume<uint16_t>;
template class Volume<float>;
template class Volume<uint8_t>;
template class Volume<int32_t>;
template class Volume<uint64_t>;

}  // namespace medkern
