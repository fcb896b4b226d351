#include <cstdio>

#if MEDKERN_CATCH2_MAJOR == 3
#include <catch2/catch_session.hpp>
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#endif

#include "medkern/context.hpp"

int main(int argc, char** argv) {
#if defined(MEDKERN_GPU_TESTS)
  if (medkern::device_count() == 0) {
    std::puts("no CUDA device: GPU tests skipped");
    return 77;  // CTest's SKIP_RETURN_CODE
  }
#endif
  return Catch::Session().run(argc, argv);
}
