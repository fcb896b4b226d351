// What a Context holds; shared by the Context and by every Volume allocated on it, so that
// the stream outlives the memory freed on it.
#pragma once

#include <atomic>
#include <cstdint>

#include "medkern/context.hpp"

namespace medkern::detail {

struct ContextState {
  Device device = Device::host();
  StreamHandle stream = nullptr;
  bool owns_stream = false;
  int num_threads = 0;  // CPU threads; 0 = all
  std::atomic<uint64_t> tag{0};
  Pool* pool = nullptr;

  ContextState() = default;
  ContextState(const ContextState&) = delete;
  ContextState& operator=(const ContextState&) = delete;
  ~ContextState();
};

}  // namespace medkern::detail
