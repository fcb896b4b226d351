// Files read or written in parallel (OpenMP, one file per task), shared by the DICOM loader
// (series.cpp) and writer (write.cpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace medkern::dicom::detail {

// The threads for `jobs` files: `requested` (0: all cores), at most one per file.
inline int thread_count(int requested, std::size_t jobs) {
  int n = requested;
#ifdef _OPENMP
  if (n <= 0) n = omp_get_max_threads();
#else
  n = 1;
#endif
  if (n < 1) n = 1;
  if (static_cast<std::size_t>(n) > jobs) n = static_cast<int>(std::max<std::size_t>(jobs, 1));
  return n;
}

// Runs body(i) for i in [0, n) on `threads` threads; rethrows the exception of the lowest i
// that threw, so that the error does not depend on the schedule.
template <class Body>
void parallel_for(std::size_t n, int threads, Body&& body) {
  std::vector<std::exception_ptr> errors(n);
  const auto count = static_cast<int64_t>(n);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (int64_t i = 0; i < count; ++i) {
    try {
      body(static_cast<std::size_t>(i));
    } catch (...) {
      errors[static_cast<std::size_t>(i)] = std::current_exception();
    }
  }
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace medkern::dicom::detail
