// The view checks under UBSan (-fno-sanitize-recover): they run on every argument a caller
// hands the library, however absurd, so they must not overflow themselves. Exit 0 when every
// absurd view is refused with an overflow and no undefined behaviour was met.
#include <cstdint>
#include <cstdio>
#include <vector>

#include "medkern/volume.hpp"

using namespace medkern;

int main() {
  std::vector<float> data(8);
  int failed = 0;
  for (int axis = 0; axis < 3; ++axis) {
    for (int64_t stride : {INT64_MIN, INT64_MIN + 1, INT64_MAX}) {
      VolumeRef view = make_view(data.data(), {2, 2, 2});
      view.strides[axis] = stride;
      try {
        validate_volume(view, "input");
        std::printf("axis %d stride %lld: accepted\n", axis, (long long)stride);
        ++failed;
      } catch (const Error& e) {
        if (e.status() != Status::overflow) {
          std::printf("axis %d stride %lld: %s\n", axis, (long long)stride, e.what());
          ++failed;
        }
      }
    }
  }
  std::printf("%d failed\n", failed);
  return failed == 0 ? 0 : 1;
}
