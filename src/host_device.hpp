// Arithmetic that the CPU backends (src/cpu/) and the GPU backends (kernels/) share, callable
// from host and device code alike, so that both compute the same thing in the same way.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define MEDKERN_HOST_DEVICE __host__ __device__
#else
#define MEDKERN_HOST_DEVICE
#endif

namespace medkern {

// Products and sums rounded on their own, never fused into an FMA: numpy's bin edges are
// computed so, and CPU and GPU must agree on every edge.
MEDKERN_HOST_DEVICE inline double multiply_rounded(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;  // the library is built with -ffp-contract=off
#endif
}
MEDKERN_HOST_DEVICE inline double add_rounded(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}

MEDKERN_HOST_DEVICE inline float multiply_rounded(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
MEDKERN_HOST_DEVICE inline float add_rounded(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}

// i clamped to 0..n - 1: beyond a face the edge voxel repeats (scipy's mode='nearest').
MEDKERN_HOST_DEVICE inline int64_t clamp_index(int64_t i, int64_t n) {
  return i < 0 ? 0 : (i >= n ? n - 1 : i);
}

// float32 bits mapped to int32 so that integer order is float order (for atomicMin/Max).
MEDKERN_HOST_DEVICE inline int32_t float_to_ordered(float value) {
#if defined(__CUDA_ARCH__)
  const int32_t bits = __float_as_int(value);
#else
  int32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
#endif
  return bits >= 0 ? bits : bits ^ 0x7fffffff;
}
MEDKERN_HOST_DEVICE inline float ordered_to_float(int32_t key) {
  const int32_t bits = key >= 0 ? key : key ^ 0x7fffffff;
#if defined(__CUDA_ARCH__)
  return __int_as_float(bits);
#else
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
#endif
}

}  // namespace medkern
