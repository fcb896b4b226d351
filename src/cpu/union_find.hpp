// Union-find over int32 indices for the CPU backends: the root of a set is always its
// smallest index (for labelling: the component's first voxel in raster order).
#pragma once

#include <cstdint>
#include <vector>

namespace medkern::cpu {

inline int32_t find_root(std::vector<int32_t>& parent, int32_t i) {
  while (parent[i] != i) {
    parent[i] = parent[parent[i]];  // path halving
    i = parent[i];
  }
  return i;
}

inline void unite(std::vector<int32_t>& parent, int32_t a, int32_t b) {
  a = find_root(parent, a);
  b = find_root(parent, b);
  if (a < b) {
    parent[b] = a;
  } else if (b < a) {
    parent[a] = b;
  }
}

}  // namespace medkern::cpu
