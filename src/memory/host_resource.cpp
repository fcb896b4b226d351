#include <fmt/format.h>

#include <cstdlib>

#include "memory/resources.hpp"

namespace medkern {

namespace {
constexpr std::size_t kHostAlignment = 256;
}

void* HostResource::allocate(std::size_t bytes, StreamHandle) {
  const std::size_t rounded = (bytes + kHostAlignment - 1) / kHostAlignment * kHostAlignment;
  void* pointer = rounded >= bytes ? std::aligned_alloc(kHostAlignment, rounded) : nullptr;
  if (pointer == nullptr) {
    throw Error(Status::out_of_memory,
                fmt::format("host memory: could not allocate {} bytes", bytes));
  }
  reserved_ += rounded;
  return pointer;
}

void HostResource::deallocate(void* pointer, std::size_t bytes, StreamHandle) noexcept {
  std::free(pointer);
  reserved_ -= (bytes + kHostAlignment - 1) / kHostAlignment * kHostAlignment;
}

std::size_t HostResource::bytes_reserved() const {
  return reserved_;
}

}  // namespace medkern
