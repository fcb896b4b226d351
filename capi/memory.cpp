// medkern.h: volumes and memory (allocation, copies, pools).
#include <map>
#include <mutex>

#include "capi.hpp"

namespace medkern::capi {

template <>
struct Versioned<medkern_pool_stats> {
  static constexpr const char* name = "medkern_pool_stats";
  static std::size_t min_size() { return offsetof(medkern_pool_stats, device) + sizeof(int32_t); }
  static medkern_pool_stats defaults() {
    medkern_pool_stats s{};
    s.struct_size = sizeof(medkern_pool_stats);
    return s;
  }
};

namespace {

Pool& pool_of(int32_t device) {
  require_device_ordinal(device, "device");
  return pool_for(Device{device});
}

// medkern_volume_free gets back only the medkern_volume, which has no room for the pool's
// Allocation (its byte count and the id that protects against a double free after a tag
// release), and callers copy volumes by value. So the façade remembers each allocation it
// made, by device and pointer, in one process-wide table: a volume may be freed through any
// context of its device, from any thread. A tag release through medkern_pool_release_tag
// drops the entries of the allocations it freed, so that the table holds live volumes only.
class AllocationTable {
 public:
  void insert(int32_t device, const Allocation& allocation, uint64_t tag) {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_[{device, allocation.pointer}] = Entry{allocation, tag};
  }

  // Drops the entries of `device` with `tag` whose allocation `pool` no longer holds. Those
  // allocated with the tag after the release began stay.
  void forget_released(int32_t device, uint64_t tag, const Pool& pool) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      const bool released = it->first.first == device && it->second.tag == tag &&
                            !pool.is_live(it->second.allocation);
      it = released ? entries_.erase(it) : std::next(it);
    }
  }

  // Removes and returns the allocation at (device, pointer); false when there is none.
  bool take(int32_t device, void* pointer, Allocation* allocation) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = entries_.find({device, pointer});
    if (it == entries_.end()) return false;
    *allocation = it->second.allocation;
    entries_.erase(it);
    return true;
  }

  bool contains_pointer(void* pointer) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& entry : entries_) {
      if (entry.first.second == pointer) return true;
    }
    return false;
  }

 private:
  struct Entry {
    Allocation allocation;
    uint64_t tag;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<int32_t, void*>, Entry> entries_;
};

AllocationTable& allocations() {
  // Never destroyed, like the pools: a volume may be freed from an atexit handler or a
  // thread that outlives static destruction.
  static AllocationTable* table = new AllocationTable();
  return *table;
}

}  // namespace
}  // namespace medkern::capi

using namespace medkern::capi;

extern "C" {

// ============================================================================ volumes

medkern_status medkern_volume_init(medkern_volume* volume, medkern_dtype dtype, void* data,
                                   int64_t nz, int64_t ny, int64_t nx) {
  return MEDKERN_GUARDED({
    require_pointer(volume, "volume");
    medkern_volume v = Versioned<medkern_volume>::defaults();
    v.dtype = dtype;
    v.data = data;
    v.shape[0] = nz;
    v.shape[1] = ny;
    v.shape[2] = nx;
    // Unsigned, so that absurd extents wrap instead of overflowing; the ops reject them.
    v.strides[0] = static_cast<int64_t>(static_cast<uint64_t>(ny) * static_cast<uint64_t>(nx));
    v.strides[1] = nx;
    v.strides[2] = 1;
    *volume = v;
  });
}

medkern_status medkern_volume_allocate(medkern_context* context, medkern_dtype dtype, int64_t nz,
                                       int64_t ny, int64_t nx, medkern_volume* volume) {
  return MEDKERN_GUARDED({
    medkern::Context& ctx = context_of(context);
    require_pointer(volume, "volume");
    medkern::VolumeRef ref;
    ref.dtype = to_dtype(dtype, "dtype");
    ref.shape = {nz, ny, nx};
    // Strides are computed only once the shape is known not to overflow.
    ref.strides = {0, 0, 0};
    ref.device = ctx.device();
    // Any non-null, aligned address: validate_volume checks the shape, not the memory.
    ref.data = reinterpret_cast<void*>(alignof(std::max_align_t));
    medkern::validate_volume(ref, "shape");
    ref.strides = medkern::contiguous_strides(ref.shape);

    medkern::Pool& pool = ctx.pool();
    const medkern::Allocation allocation = pool.allocate(ref.bytes(), ctx.stream(), ctx.tag());
    try {
      allocations().insert(ctx.device().ordinal, allocation, ctx.tag());
    } catch (...) {
      pool.deallocate(allocation, ctx.stream());
      throw;
    }
    medkern_volume v = Versioned<medkern_volume>::defaults();
    v.dtype = dtype;
    v.data = allocation.pointer;
    for (int axis = 0; axis < 3; ++axis) {
      v.shape[axis] = ref.shape[axis];
      v.strides[axis] = ref.strides[axis];
    }
    v.device = ctx.device().ordinal;
    *volume = v;
  });
}

medkern_status medkern_volume_free(medkern_context* context, medkern_volume* volume) {
  return MEDKERN_GUARDED({
    medkern::Context& ctx = context_of(context);
    require_pointer(volume, "volume");
    if (volume->data == nullptr) return;
    const int32_t device = ctx.device().ordinal;
    medkern::Allocation allocation;
    if (!allocations().take(device, volume->data, &allocation)) {
      if (allocations().contains_pointer(volume->data)) {
        throw_invalid("volume->data was allocated on another device than the context's (" +
                      ctx.device().name() + "): free it on a context of its device");
      }
      throw_invalid(
          "volume->data was not allocated by medkern_volume_allocate, or was freed already");
    }
    ctx.pool().deallocate(allocation, ctx.stream());
    volume->data = nullptr;
  });
}

medkern_status medkern_volume_copy(medkern_context* context, const medkern_volume* src,
                                   const medkern_volume* dst) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    medkern::copy(ctx, to_ref(src, "src"), to_ref(dst, "dst"));
  });
}

// ============================================================================ pools

medkern_status medkern_pool_get_stats(int32_t device, medkern_pool_stats* stats) {
  return MEDKERN_GUARDED({
    require_pointer(stats, "stats");
    known_size(stats, "stats");
    const medkern::PoolStats s = pool_of(device).stats();
    medkern_pool_stats result = Versioned<medkern_pool_stats>::defaults();
    result.device = device;
    result.bytes_in_use = s.bytes_in_use;
    result.peak_bytes_in_use = s.peak_bytes_in_use;
    result.bytes_reserved = s.bytes_reserved;
    result.limit_bytes = s.limit_bytes;
    result.allocations = s.allocations;
    result.deallocations = s.deallocations;
    result.failures = s.failures;
    result.live_allocations = s.live_allocations;
    write_struct(stats, result, "stats");
  });
}

medkern_status medkern_pool_reset_peak(int32_t device) {
  return MEDKERN_GUARDED({ pool_of(device).reset_peak(); });
}

medkern_status medkern_pool_set_limit(int32_t device, uint64_t limit_bytes) {
  return MEDKERN_GUARDED({
    if (limit_bytes > SIZE_MAX) {
      throw medkern::Error(medkern::Status::overflow,
                           "limit_bytes: " + std::to_string(limit_bytes) + " exceeds size_t");
    }
    pool_of(device).set_limit(static_cast<std::size_t>(limit_bytes));
  });
}

medkern_status medkern_pool_release_tag(int32_t device, uint64_t tag, uint64_t* bytes_released) {
  return MEDKERN_GUARDED({
    if (bytes_released != nullptr) *bytes_released = 0;
    medkern::Pool& pool = pool_of(device);
    const std::size_t bytes = pool.release_tag(tag);
    allocations().forget_released(device, tag, pool);
    if (bytes_released != nullptr) *bytes_released = bytes;
  });
}

medkern_status medkern_pool_trim(int32_t device) {
  return MEDKERN_GUARDED({ pool_of(device).trim(); });
}

}  // extern "C"
