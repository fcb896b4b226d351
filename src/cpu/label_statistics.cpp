#include <algorithm>
#include <cmath>
#include <optional>
#include <type_traits>
#include <vector>

#include <omp.h>

#include "dtype_dispatch.hpp"
#include "host_device.hpp"
#include "label_statistics_backends.hpp"
#include "thread_scratch.hpp"

namespace medkern::cpu {

namespace {

// Per-thread tables are used while all of them together stay under this size; beyond it
// one thread accumulates, which is slower but cannot exhaust memory.
constexpr std::size_t kPrivateTablesBudgetBytes = std::size_t{256} << 20;

template <class T>
void add_voxel(LabelAccumulator& acc, T value, int64_t z, int64_t y, int64_t x) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(value)) return;
    acc.sum_float += double(value);
    acc.sum_squares_float += double(value) * double(value);
    const int32_t key = float_to_ordered(value);
    acc.min_key = std::min(acc.min_key, key);
    acc.max_key = std::max(acc.max_key, key);
  } else {
    const long long v = value;
    acc.sum_int += v;
    acc.sum_squares_int += static_cast<unsigned long long>(v * v);
    acc.min_key = std::min(acc.min_key, static_cast<int32_t>(value));
    acc.max_key = std::max(acc.max_key, static_cast<int32_t>(value));
  }
  ++acc.count;
  const int64_t coordinate[3] = {z, y, x};
  for (int axis = 0; axis < 3; ++axis) {
    acc.coordinate_sum[axis] += coordinate[axis];
    acc.bbox_min[axis] = std::min(acc.bbox_min[axis], static_cast<int32_t>(coordinate[axis]));
    acc.bbox_max[axis] = std::max(acc.bbox_max[axis], static_cast<int32_t>(coordinate[axis]));
  }
}

void merge(LabelAccumulator& into, const LabelAccumulator& from) {
  into.count += from.count;
  into.sum_int += from.sum_int;
  into.sum_squares_int += from.sum_squares_int;
  into.sum_float += from.sum_float;
  into.sum_squares_float += from.sum_squares_float;
  into.min_key = std::min(into.min_key, from.min_key);
  into.max_key = std::max(into.max_key, from.max_key);
  for (int axis = 0; axis < 3; ++axis) {
    into.coordinate_sum[axis] += from.coordinate_sum[axis];
    into.bbox_min[axis] = std::min(into.bbox_min[axis], from.bbox_min[axis]);
    into.bbox_max[axis] = std::max(into.bbox_max[axis], from.bbox_max[axis]);
  }
}

template <class T, class L>
void accumulate_rows(const VolumeView<const T>& input, const VolumeView<const L>& labels,
                     int64_t max_label, bool include_background, int64_t first_row,
                     int64_t last_row, LabelAccumulator* table) {
  const int64_t ny = input.shape[1], nx = input.shape[2];
  for (int64_t row = first_row; row < last_row; ++row) {
    const int64_t z = row / ny, y = row % ny;
    for (int64_t x = 0; x < nx; ++x) {
      const int64_t label = labels(z, y, x);
      if (label != 0 || include_background) {
        add_voxel(table[label_slot(label, max_label)], input(z, y, x), z, y, x);
      }
    }
  }
}

template <class T, class L>
void label_statistics_typed(const Context& context, const VolumeView<const T>& input,
                            const VolumeView<const L>& labels, int64_t max_label,
                            bool include_background, LabelAccumulator* accumulators) {
  const auto entries = static_cast<std::size_t>(label_table_entries(max_label));
  std::fill(accumulators, accumulators + entries, empty_label_accumulator());
  const int64_t rows = input.shape[0] * input.shape[1];
  int threads = context.num_threads();
  if (entries * sizeof(LabelAccumulator) * threads > kPrivateTablesBudgetBytes) threads = 1;
  if (threads <= 1) {
    accumulate_rows(input, labels, max_label, include_background, 0, rows, accumulators);
    return;
  }
  // Each thread takes a fixed slab of rows and the tables merge in thread order, so the
  // float sums do not depend on scheduling.
  ThreadScratch<LabelAccumulator> tables(context, threads, entries);
  int used = threads;
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    const int n = omp_get_num_threads();
#pragma omp single
    used = n;
    LabelAccumulator* table = tables.of(t);
    std::fill(table, table + entries, empty_label_accumulator());
    accumulate_rows(input, labels, max_label, include_background, rows * t / n, rows * (t + 1) / n,
                    table);
  }
  for (int t = 0; t < used; ++t) {
    const LabelAccumulator* table = tables.of(t);
    for (std::size_t label = 0; label < entries; ++label) {
      if (table[label].count != 0) merge(accumulators[label], table[label]);
    }
  }
}

}  // namespace

void label_statistics(const Context& context, const VolumeRef& input, const VolumeRef& labels,
                      int64_t max_label, bool include_background, LabelAccumulator* accumulators) {
  visit_image_dtype(input.dtype, [&](auto value_type) {
    using T = decltype(value_type);
    visit_label_dtype(labels.dtype, [&](auto label_type) {
      using L = decltype(label_type);
      label_statistics_typed<T, L>(context, input.as<const T>(), labels.as<const L>(), max_label,
                                   include_background, accumulators);
    });
  });
}

}  // namespace medkern::cpu
