#include "cuda_check.hpp"

#include <fmt/format.h>

#include "medkern/error.hpp"

namespace medkern {

void throw_cuda_error(cudaError_t error, const char* what) {
  cudaGetLastError();  // clear a sticky-free error so that later calls do not report it again
  const Status status = error == cudaErrorMemoryAllocation ? Status::out_of_memory
                        : (error == cudaErrorNoDevice || error == cudaErrorInvalidDevice ||
                           error == cudaErrorInsufficientDriver)
                            ? Status::no_device
                            : Status::cuda_error;
  throw Error(status,
              fmt::format("{}: {} ({})", what, cudaGetErrorString(error), cudaGetErrorName(error)));
}

}  // namespace medkern
