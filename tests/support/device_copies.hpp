// Device copies of host vectors and host copies of device volumes, through the library's own
// copy: for the GPU tests and the benchmarks.
#pragma once

#include <vector>

#include "medkern/context.hpp"

namespace medkern::test {

template <class T>
Volume<T> to_device(const Context& ctx, const std::vector<T>& host, const Shape3& shape) {
  Volume<T> device(ctx, shape);
  copy(ctx, make_view(host.data(), shape), device);
  return device;
}

template <class T>
std::vector<T> to_host(const Context& ctx, const VolumeRef& device) {
  std::vector<T> host(device.numel());
  copy(ctx, device, make_view(host.data(), device.shape));
  return host;
}

}  // namespace medkern::test
