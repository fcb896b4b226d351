// The fields of a parameter struct by name, for code that maps parameters to and from other
// languages: the C ABI fills its versioned structs' defaults and copies them into the C++
// ones, and the Python bindings take keyword arguments and publish their defaults, all from
// one list per struct, so that each default is written once (in the struct's initialisers).
//
// A family header declares its list after the struct:
//
//   template <>
//   struct FieldsOf<GaussianParams> {
//     static constexpr auto list = fields(field("sigma_mm", &GaussianParams::sigma_mm),
//                                         field("truncate", &GaussianParams::truncate));
//   };
//
// and for_each_field(params, visit) calls visit(name, params.*member) in that order.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace medkern {

template <class Struct, class T>
struct Field {
  // Through an alias: nvcc's host pass would otherwise write the declaration as
  // `T (Struct::*member)`, which g++ warns about.
  using Member = T Struct::*;
  const char* name;
  Member member;
};

template <class Struct, class T>
constexpr Field<Struct, T> field(const char* name, T Struct::*member) {
  return {name, member};
}

template <class... F>
constexpr std::tuple<F...> fields(F... f) {
  return std::tuple<F...>(f...);
}

// Specialised by each parameter struct that the C ABI or Python maps (no list: not mapped).
template <class Params>
struct FieldsOf;

// visit(name, field) for each field of `params` in the list's order; `params` may be const.
template <class Params, class Visit>
constexpr void for_each_field(Params& params, Visit&& visit) {
  using Plain = std::remove_const_t<Params>;
  std::apply([&](const auto&... f) { (visit(f.name, params.*(f.member)), ...); },
             FieldsOf<Plain>::list);
}

template <class Params>
constexpr std::size_t field_count() {
  return std::tuple_size_v<decltype(FieldsOf<Params>::list)>;
}

}  // namespace medkern
