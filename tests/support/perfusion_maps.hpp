// Host buffers for the seven perfusion maps of a frame, filled with values no op writes
// (-1, and 7 for valid), so that a map left unwritten shows; for the perfusion tests.
#pragma once

#include <cstdint>
#include <vector>

#include "medkern/perfusion.hpp"

namespace medkern::test {

struct HostMaps {
  Shape3 shape;
  std::vector<float> cbf, cbv, mtt, tmax, ttp, arrival;
  std::vector<uint8_t> valid;
  PerfusionInfo info;

  explicit HostMaps(const Shape3& s) : shape(s) {
    const auto n = std::size_t(s[0] * s[1] * s[2]);
    cbf.assign(n, -1.0f);
    cbv = mtt = tmax = ttp = arrival = cbf;
    valid.assign(n, 7);
  }
  PerfusionMapsRef ref() {
    return {make_view(cbf.data(), shape),  make_view(cbv.data(), shape),
            make_view(mtt.data(), shape),  make_view(tmax.data(), shape),
            make_view(ttp.data(), shape),  make_view(arrival.data(), shape),
            make_view(valid.data(), shape)};
  }
};

}  // namespace medkern::test
