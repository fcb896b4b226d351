// Argument checks shared by the ops: each throws a medkern::Error whose message names the
// argument and the value that was wrong.
#pragma once

#include <initializer_list>

#include "medkern/context.hpp"
#include "medkern/volume.hpp"

namespace medkern {

// `volume` has one of `allowed` dtypes.
void require_dtype(const VolumeRef& volume, const char* what, std::initializer_list<DType> allowed);
// `b` has the shape of `a`.
void require_same_shape(const VolumeRef& a, const char* what_a, const VolumeRef& b,
                        const char* what_b);
// `volume` lives where `context` can reach it: host memory (any context) or the context's
// own CUDA device.
void require_reachable(const Context& context, const VolumeRef& volume, const char* what);
// In this order: `volume` is valid (validate_volume), of one of `allowed` dtypes, reachable.
void require_volume(const Context& context, const VolumeRef& volume, const char* what,
                    std::initializer_list<DType> allowed);
// The same with, before reachable, the shape of `reference`.
void require_like(const Context& context, const VolumeRef& reference, const char* reference_what,
                  const VolumeRef& volume, const char* what, std::initializer_list<DType> allowed);
// Checks an optional mask: valid, uint8, same shape as `input`, reachable.
void require_mask(const Context& context, const VolumeRef* mask, const VolumeRef& input);
// True when the bytes spanned by `a` and `b` (from their lowest to their highest element) on
// one device intersect: an op that reads neighbours of a voxel must then not write `b` while
// it still reads `a`.
bool memory_overlaps(const VolumeRef& a, const VolumeRef& b);
// `volume` has fewer than 2^31 voxels, because `op` keeps voxel indices in int32
// (Status::overflow, "{what}: {n} voxels; {op} takes fewer than 2^31").
void require_int32_voxels(const VolumeRef& volume, const char* what, const char* op);
// `value` is finite and > 0 (`positive`) or >= 0; `hint` ends the message.
void require_finite(double value, const char* what, bool positive = false, const char* hint = "");
// The input and output of an image filter: input int16, uint16 or float32, output of
// `output_dtype` and the input's shape, both valid and reachable.
void check_filter_volumes(const Context& context, const VolumeRef& input, const VolumeRef& output,
                          DType output_dtype);

}  // namespace medkern
