// medkern::Error: the one exception type of the C++ API. It carries a status code that
// maps one-to-one to the C ABI's medkern_status, and a message that names the offending
// argument and its value.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace medkern {

enum class Status : int32_t {
  ok = 0,
  invalid_argument = 1,
  unsupported_dtype = 2,
  shape_mismatch = 3,
  out_of_memory = 4,
  no_device = 5,
  cuda_error = 6,
  overflow = 7,
  internal = 8,
  not_supported = 9,  // a feature left out of this build, or an input format not handled
  io = 10,            // a file or directory that cannot be read
  invalid_data = 11,  // malformed or inconsistent input data (a truncated DICOM file)
};

// The C name of a status, e.g. "MEDKERN_ERROR_SHAPE_MISMATCH".
const char* status_name(Status status) noexcept;

class Error : public std::runtime_error {
 public:
  Error(Status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  Status status() const noexcept { return status_; }

 private:
  Status status_;
};

}  // namespace medkern
