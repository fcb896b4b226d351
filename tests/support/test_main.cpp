#include <cstdio>
#include <cstring>

#if MEDKERN_CATCH2_MAJOR == 3
#include <catch2/catch_session.hpp>
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#endif

#include "medkern/context.hpp"

// Listing the tests needs no device, so that tests/support/check_test_count.cmake can count
// the GPU tests on a machine without one.
static bool lists_tests(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--list", 6) == 0) return true;
  }
  return false;
}

int main(int argc, char** argv) {
#if defined(MEDKERN_GPU_TESTS)
  if (!lists_tests(argc, argv) && medkern::device_count() == 0) {
    std::puts("no CUDA device: GPU tests skipped");
    return 77;  // CTest's SKIP_RETURN_CODE
  }
#endif
  return Catch::Session().run(argc, argv);
}
