#include "medkern/error.hpp"

namespace medkern {

const char* status_name(Status status) noexcept {
  switch (status) {
    case Status::ok:
      return "MEDKERN_OK";
    case Status::invalid_argument:
      return "MEDKERN_ERROR_INVALID_ARGUMENT";
    case Status::unsupported_dtype:
      return "MEDKERN_ERROR_UNSUPPORTED_DTYPE";
    case Status::shape_mismatch:
      return "MEDKERN_ERROR_SHAPE_MISMATCH";
    case Status::out_of_memory:
      return "MEDKERN_ERROR_OUT_OF_MEMORY";
    case Status::no_device:
      return "MEDKERN_ERROR_NO_DEVICE";
    case Status::cuda_error:
      return "MEDKERN_ERROR_CUDA";
    case Status::overflow:
      return "MEDKERN_ERROR_OVERFLOW";
    case Status::internal:
      return "MEDKERN_ERROR_INTERNAL";
    case Status::not_supported:
      return "MEDKERN_ERROR_NOT_SUPPORTED";
    case Status::io:
      return "MEDKERN_ERROR_IO";
    case Status::invalid_data:
      return "MEDKERN_ERROR_INVALID_DATA";
  }
  return "MEDKERN_ERROR_UNKNOWN";
}

}  // namespace medkern
