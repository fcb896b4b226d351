// Label statistics' backends: what both accumulate per label (src/cpu/label_statistics.cpp,
// kernels/label_statistics.cu); src/label_statistics.cpp turns it into LabelStats.
#pragma once

#include <cstdint>

#include "host_device.hpp"
#include "medkern/context.hpp"
#include "medkern/label_statistics.hpp"

namespace medkern {

// What label statistics accumulate per label. Integer inputs sum in 64-bit integers so that
// every order of accumulation gives the same result; float32 inputs sum in double.
struct LabelAccumulator {
  unsigned long long count;
  long long sum_int;
  unsigned long long sum_squares_int;
  double sum_float;
  double sum_squares_float;
  long long coordinate_sum[3];  // (z, y, x)
  int32_t min_key;              // the value itself, or float_to_ordered for float32
  int32_t max_key;
  int32_t bbox_min[3];
  int32_t bbox_max[3];
};

MEDKERN_HOST_DEVICE inline LabelAccumulator empty_label_accumulator() {
  return LabelAccumulator{0,
                          0,
                          0,
                          0.0,
                          0.0,
                          {0, 0, 0},
                          0x7fffffff,
                          -0x7fffffff - 1,
                          {0x7fffffff, 0x7fffffff, 0x7fffffff},
                          {-1, -1, -1}};
}

// The labels are checked against 0 .. max_label before the backends run, but another thread
// may rewrite them meanwhile (a caller's bug, yet no reason to write past a table). So the
// backends index by label_slot, checked at the moment of use: a table has one entry per label
// and a last one that takes any label found outside the range, which the dispatcher reports.
MEDKERN_HOST_DEVICE inline int64_t label_table_entries(int64_t max_label) {
  return max_label + 2;
}
MEDKERN_HOST_DEVICE inline int64_t label_slot(int64_t label, int64_t max_label) {
  return label < 0 || label > max_label ? max_label + 1 : label;
}

// The statistics of label `label` from its accumulator (of an input of `dtype`).
LabelStats label_stats_of(int32_t label, const LabelAccumulator& acc, DType dtype,
                          const Spacing3& spacing);

namespace cpu {
// `accumulators` has label_table_entries(max_label) entries; they are overwritten. Label 0 is
// left empty unless include_background.
void label_statistics(const Context& context, const VolumeRef& input, const VolumeRef& labels,
                      int64_t max_label, bool include_background, LabelAccumulator* accumulators);
}  // namespace cpu

#if MEDKERN_WITH_CUDA
namespace cuda {
// `accumulators` is device memory with label_table_entries(max_label) entries; they are
// overwritten. Label 0 is left empty unless include_background.
void label_statistics(const Context& context, const VolumeRef& input, const VolumeRef& labels,
                      int64_t max_label, bool include_background, LabelAccumulator* accumulators);
}  // namespace cuda
#endif

}  // namespace medkern
