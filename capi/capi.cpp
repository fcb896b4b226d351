// The out-of-line parts of capi.hpp.
#include "capi.hpp"

#include <cstdlib>

namespace medkern::capi {

// ---------------------------------------------------------------------------- last error

namespace {

thread_local std::string t_last_error;
// Points at a static text when even storing the message ran out of memory.
thread_local const char* t_last_error_fallback = nullptr;

}  // namespace

void clear_last_error() noexcept {
  t_last_error.clear();  // keeps the capacity, so it never allocates
  t_last_error_fallback = nullptr;
}

void set_last_error(const char* function, const char* message) noexcept {
  try {
    t_last_error.assign(function);
    t_last_error.append(": ");
    t_last_error.append(message);
    t_last_error_fallback = nullptr;
  } catch (...) {
    t_last_error_fallback = "out of host memory while storing the error message";
  }
}

const char* last_error() noexcept {
  return t_last_error_fallback != nullptr ? t_last_error_fallback : t_last_error.c_str();
}

void throw_invalid(const std::string& message) {
  throw Error(Status::invalid_argument, message);
}

// ---------------------------------------------------------------------------- params tables

void throw_unknown_code(const char* what, const char* field, int32_t code, const char* const* names,
                        std::size_t count) {
  std::string message =
      std::string(what) + "->" + field + ": " + std::to_string(code) + " is neither ";
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) message += i + 1 < count ? ", " : " nor ";
    message += std::string(names[i]) + " (" + std::to_string(i) + ")";
  }
  throw_invalid(message);
}

// ---------------------------------------------------------------------------- volumes

std::size_t Versioned<medkern_volume>::min_size() {
  return offsetof(medkern_volume, dtype) + sizeof(medkern_dtype);
}

medkern_volume Versioned<medkern_volume>::defaults() {
  medkern_volume v{};
  v.struct_size = sizeof(medkern_volume);
  v.dtype = MEDKERN_DTYPE_FLOAT32;
  for (int axis = 0; axis < 3; ++axis) {
    v.shape[axis] = 1;
    v.strides[axis] = 1;
    v.spacing[axis] = 1.0;
  }
  v.device = MEDKERN_DEVICE_HOST;
  return v;
}

std::size_t Versioned<medkern_series>::min_size() {
  return offsetof(medkern_series, frame_stride) + sizeof(int64_t);
}

medkern_series Versioned<medkern_series>::defaults() {
  medkern_series s{};
  s.struct_size = sizeof(medkern_series);
  s.first = Versioned<medkern_volume>::defaults();
  s.frames = 1;
  return s;
}

// ---------------------------------------------------------------------------- conversions

medkern::DType to_dtype(medkern_dtype code, const char* what) {
  if (code < MEDKERN_DTYPE_INT16 || code > MEDKERN_DTYPE_UINT64) {
    throw Error(Status::unsupported_dtype,
                std::string(what) + ": unknown dtype code " + std::to_string(code));
  }
  return static_cast<medkern::DType>(code);
}

void require_device_ordinal(int32_t device, const char* what) {
  if (device != MEDKERN_DEVICE_HOST && device < 0) {
    throw_invalid(std::string(what) + ": " + std::to_string(device) +
                  " is neither MEDKERN_DEVICE_HOST (-1) nor a CUDA ordinal (>= 0)");
  }
}

VolumeRef to_ref(const medkern_volume* volume, const char* what) {
  const medkern_volume v = read_struct(volume, what);
  VolumeRef ref;
  ref.dtype = to_dtype(v.dtype, what);
  require_device_ordinal(v.device, (std::string(what) + "->device").c_str());
  ref.data = v.data;
  for (int axis = 0; axis < 3; ++axis) {
    ref.shape[axis] = v.shape[axis];
    ref.strides[axis] = v.strides[axis];
    ref.spacing[axis] = v.spacing[axis];
  }
  ref.device = Device{v.device};
  return ref;
}

std::optional<VolumeRef> to_optional_ref(const medkern_volume* volume, const char* what) {
  if (volume == nullptr) return std::nullopt;
  return to_ref(volume, what);
}

SeriesRef to_series(const medkern_series* series, const char* what) {
  const medkern_series s = read_struct(series, what);
  SeriesRef ref;
  ref.first = to_ref(&s.first, (std::string(what) + "->first").c_str());
  ref.frames = s.frames;
  ref.frame_stride = s.frame_stride;
  return ref;
}

Context& context_of(medkern_context* context) {
  require_pointer(context, "context");
  return context->context;
}

const Context& context_of(const medkern_context* context) {
  require_pointer(context, "context");
  return context->context;
}

// ---------------------------------------------------------------------------- result blocks

std::size_t BlockLayout::add(std::size_t bytes, std::size_t align) {
  const std::size_t offset = (size_ + align - 1) / align * align;
  if (offset < size_ || bytes > SIZE_MAX - offset) {
    throw Error(Status::overflow, "the result does not fit in memory");
  }
  size_ = offset + bytes;
  return offset;
}

unsigned char* BlockLayout::allocate() const {
  void* block = std::malloc(size_ == 0 ? 1 : size_);
  if (block == nullptr) throw std::bad_alloc();
  return static_cast<unsigned char*>(block);
}

const char* place_string(unsigned char* block, std::size_t offset, const std::string& s) {
  char* dst = reinterpret_cast<char*>(block + offset);
  std::memcpy(dst, s.c_str(), s.size() + 1);
  return dst;
}

}  // namespace medkern::capi
