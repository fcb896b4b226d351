// What every file of the extern "C" façade (medkern.h over the C++ API) shares: the
// last-error text and guarded(), versioned structs, the table that maps each C params struct
// onto its C++ one, argument conversions, the common entry-point shapes and the layout of
// result blocks.
//
// Each entry point converts its C arguments, calls the C++ API inside guarded(), and turns
// whatever is thrown into a medkern_status plus a thread-local message: no exception may
// cross the C boundary, whatever the caller passes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <iterator>
#include <new>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "medkern/medkern.h"
#include "medkern/medkern.hpp"

struct medkern_context {
  medkern::Context context;
};

namespace medkern::capi {

// ---------------------------------------------------------------------------- last error

void clear_last_error() noexcept;
void set_last_error(const char* function, const char* message) noexcept;
// The text medkern_last_error() returns.
const char* last_error() noexcept;

// Runs `body` and maps what it throws to a status and the last-error text, prefixed with
// the C function's name so that a log line says where it came from.
template <class Body>
medkern_status guarded(const char* function, Body&& body) noexcept {
  clear_last_error();
  try {
    body();
    return MEDKERN_OK;
  } catch (const Error& error) {
    set_last_error(function, error.what());
    const auto status = static_cast<medkern_status>(error.status());
    // An Error built with Status::ok would look like success to the caller.
    return status == MEDKERN_OK ? MEDKERN_ERROR_INTERNAL : status;
  } catch (const std::bad_alloc&) {
    set_last_error(function, "out of host memory");
    return MEDKERN_ERROR_OUT_OF_MEMORY;
  } catch (const std::exception& error) {
    set_last_error(function, error.what());
    return MEDKERN_ERROR_INTERNAL;
  } catch (...) {
    set_last_error(function, "unknown exception");
    return MEDKERN_ERROR_INTERNAL;
  }
}

// Returns the status of the enclosing C function; __func__ is that function's name.
#define MEDKERN_GUARDED(...) ::medkern::capi::guarded(__func__, [&]() { __VA_ARGS__ })

[[noreturn]] void throw_invalid(const std::string& message);

template <class T>
void require_pointer(const T* pointer, const char* what) {
  if (pointer == nullptr) throw_invalid(std::string(what) + " is NULL");
}

// ---------------------------------------------------------------------------- params tables

// The mapping of a C params struct onto its C++ struct, declared once in the family's file:
//
//   template <>
//   struct CParams<medkern_gaussian_params> : CParamsBase {
//     using C = medkern_gaussian_params;
//     using Cpp = GaussianParams;
//     static constexpr const char* name = "medkern_gaussian_params";
//     static constexpr auto list = fields(field("sigma_mm", &C::sigma_mm),
//                                         field("truncate", &C::truncate));
//   };
//
// `list` names the C members in the order of FieldsOf<Cpp>::list, under the same names (the
// compiler checks both). From it come the struct's defaults (the C++ initialisers,
// converted), the smallest struct_size accepted and the C -> C++ copy.
template <class C>
struct CParams;

// What a mapping may change.
struct CParamsBase {
  // NULL params are the defaults; false: NULL is an error (a field has no useful default).
  static constexpr bool null_gives_defaults = true;
  // The last field that every caller's struct_size must reach; nullptr: the first field
  // after struct_size.
  static constexpr std::nullptr_t required_through = nullptr;
};

// The C names of an enum's codes 0, 1, ...: specialised for each enum in a params struct.
template <class E>
struct EnumCodes;

// "params->method: 7 is neither MEDKERN_GRADIENT_SOBEL (0) nor MEDKERN_GRADIENT_CENTRAL (1)"
[[noreturn]] void throw_unknown_code(const char* what, const char* field, int32_t code,
                                     const char* const* names, std::size_t count);

// The C value of a C++ field: the same type, int32 for bool and enums, a C array for a
// std::array, 0 for an absent std::optional<double>.
template <class T>
void to_c(const T& cpp, T& c) {
  c = cpp;
}
inline void to_c(bool cpp, int32_t& c) {
  c = cpp ? 1 : 0;
}
template <class E, std::enable_if_t<std::is_enum_v<E>, int> = 0>
void to_c(E cpp, int32_t& c) {
  c = static_cast<int32_t>(cpp);
}
template <class T, std::size_t N>
void to_c(const std::array<T, N>& cpp, T (&c)[N]) {
  for (std::size_t i = 0; i < N; ++i) c[i] = cpp[i];
}
inline void to_c(const std::optional<double>& cpp, double& c) {
  c = cpp.value_or(0.0);
}

// The C++ value of a C field, the inverse of to_c; a code that is no enum value throws
// invalid_argument naming `what->field`.
template <class T>
void from_c(const T& c, T& cpp, const char*, const char*) {
  cpp = c;
}
inline void from_c(int32_t c, bool& cpp, const char*, const char*) {
  cpp = c != 0;
}
template <class E, std::enable_if_t<std::is_enum_v<E>, int> = 0>
void from_c(int32_t c, E& cpp, const char* what, const char* field) {
  constexpr std::size_t count = std::size(EnumCodes<E>::names);
  if (c < 0 || static_cast<std::size_t>(c) >= count) {
    throw_unknown_code(what, field, c, EnumCodes<E>::names, count);
  }
  cpp = static_cast<E>(c);
}
template <class T, std::size_t N>
void from_c(const T (&c)[N], std::array<T, N>& cpp, const char*, const char*) {
  for (std::size_t i = 0; i < N; ++i) cpp[i] = c[i];
}
// 0 is "none"; any other value is the op's to check.
inline void from_c(double c, std::optional<double>& cpp, const char*, const char*) {
  cpp = c != 0.0 ? std::optional<double>(c) : std::nullopt;
}

constexpr bool same_name(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

template <class C, std::size_t... I>
constexpr bool names_match(std::index_sequence<I...>) {
  return (same_name(std::get<I>(CParams<C>::list).name,
                    std::get<I>(FieldsOf<typename CParams<C>::Cpp>::list).name) &&
          ...);
}

template <class C, class Visit, std::size_t... I>
void visit_pairs(Visit& visit, std::index_sequence<I...> order) {
  static_assert(names_match<C>(order),
                "a C mapping lists the C++ fields in their order, under their names");
  (visit(std::get<I>(CParams<C>::list), std::get<I>(FieldsOf<typename CParams<C>::Cpp>::list)),
   ...);
}

// visit(c_field, cpp_field) for each pair of the mapping, in the C++ list's order.
template <class C, class Visit>
void for_each_mapped(Visit&& visit) {
  using Cpp = typename CParams<C>::Cpp;
  constexpr std::size_t n = std::tuple_size_v<std::decay_t<decltype(CParams<C>::list)>>;
  static_assert(n == field_count<Cpp>(), "a C mapping lists every field of the C++ struct");
  visit_pairs<C>(visit, std::make_index_sequence<n>());
}

// Where `member` begins in its struct, and its size.
template <class C, class T>
std::size_t offset_of(T C::*member) {
  const C probe{};
  return static_cast<std::size_t>(reinterpret_cast<const unsigned char*>(&(probe.*member)) -
                                  reinterpret_cast<const unsigned char*>(&probe));
}
template <class C, class T>
constexpr std::size_t size_of(T C::*) {
  return sizeof(T);
}

// ---------------------------------------------------------------------------- versioned structs

// For each versioned struct: its name for messages, the smallest struct_size accepted (the
// end of the first field after struct_size, which every version has, unless a later field
// is required), and the values of fields that a caller compiled against an older, shorter
// struct does not know. A params struct has them from its mapping; the other structs
// (volumes, options, results) specialise Versioned.
template <class T>
struct Versioned {
  using Map = CParams<T>;
  static constexpr const char* name = Map::name;

  static std::size_t min_size() {
    if constexpr (!std::is_same_v<std::remove_cv_t<decltype(Map::required_through)>,
                                  std::nullptr_t>) {
      return offset_of(Map::required_through) + size_of(Map::required_through);
    } else {
      std::size_t first = sizeof(T), end = sizeof(T);
      for_each_mapped<T>([&](const auto& c_field, const auto&) {
        const std::size_t offset = offset_of(c_field.member);
        if (offset < first) {
          first = offset;
          end = offset + size_of(c_field.member);
        }
      });
      return end;
    }
  }

  static T defaults() {
    const typename Map::Cpp cpp{};
    T c{};
    c.struct_size = sizeof(T);
    for_each_mapped<T>([&](const auto& c_field, const auto& cpp_field) {
      to_c(cpp.*(cpp_field.member), c.*(c_field.member));
    });
    return c;
  }
};

template <>
struct Versioned<medkern_volume> {
  static constexpr const char* name = "medkern_volume";
  static std::size_t min_size();
  static medkern_volume defaults();
};

template <>
struct Versioned<medkern_series> {
  static constexpr const char* name = "medkern_series";
  static std::size_t min_size();
  static medkern_series defaults();
};

// The bytes of *given that both the caller and this library know: struct_size, capped at
// our sizeof(T). Older callers pass less, newer callers more.
template <class T>
std::size_t known_size(const T* given, const char* what) {
  const uint32_t size = given->struct_size;
  const std::size_t min_size = Versioned<T>::min_size();
  if (size < min_size) {
    const std::string name = Versioned<T>::name;
    throw_invalid(std::string(what) + "->struct_size = " + std::to_string(size) +
                  " is smaller than " + std::to_string(min_size) + ", the smallest " + name +
                  " (set it to sizeof(" + name + "))");
  }
  return size < sizeof(T) ? size : sizeof(T);
}

// Reads a caller's struct: the fields it knows over the defaults of the ones it does not.
template <class T>
T read_struct(const T* given, const char* what) {
  require_pointer(given, what);
  T value = Versioned<T>::defaults();
  std::memcpy(&value, given, known_size(given, what));
  return value;
}

// As read_struct, with the defaults for NULL (optional params and options).
template <class T>
T read_struct_or_defaults(const T* given, const char* what) {
  return given == nullptr ? Versioned<T>::defaults() : read_struct(given, what);
}

// Writes a result struct: only the fields the caller knows, leaving its struct_size as it is.
template <class T>
void write_struct(T* given, T value, const char* what) {
  require_pointer(given, what);
  const std::size_t size = known_size(given, what);
  value.struct_size = given->struct_size;
  std::memcpy(given, &value, size);
}

// The C++ params of a caller's C params struct (NULL: the defaults, where the mapping
// allows it), each field converted.
template <class C>
typename CParams<C>::Cpp read_params(const C* given, const char* what = "params") {
  const C c = CParams<C>::null_gives_defaults ? read_struct_or_defaults(given, what)
                                              : read_struct(given, what);
  typename CParams<C>::Cpp cpp{};
  for_each_mapped<C>([&](const auto& c_field, const auto& cpp_field) {
    from_c(c.*(c_field.member), cpp.*(cpp_field.member), what, cpp_field.name);
  });
  return cpp;
}

// ---------------------------------------------------------------------------- conversions

medkern::DType to_dtype(medkern_dtype code, const char* what);
void require_device_ordinal(int32_t device, const char* what);

// Shape, strides and spacing are checked by the ops themselves (medkern::validate_volume);
// here only what the C++ types cannot represent: an unknown dtype code or device number.
VolumeRef to_ref(const medkern_volume* volume, const char* what);
// An optional volume (a mask, labels): nullopt for NULL.
std::optional<VolumeRef> to_optional_ref(const medkern_volume* volume, const char* what);
// A series: its first frame as to_ref converts a volume (named "<what>->first").
SeriesRef to_series(const medkern_series* series, const char* what);

inline const VolumeRef* pointer_to(const std::optional<VolumeRef>& ref) {
  return ref ? &*ref : nullptr;
}

Context& context_of(medkern_context* context);
const Context& context_of(const medkern_context* context);

// ---------------------------------------------------------------------------- entry-point shapes

// A volume argument and its name in messages.
struct Arg {
  const medkern_volume* volume;
  const char* name;
};

// The entry points of shape (context, input, output, params[, count]): the arguments
// converted in that order (the count pointer before the params), then
// op(context, input, output, params), whose result goes to *count where there is one.
template <class C, class Op, class... Count>
medkern_status volume_op(const char* function, medkern_context* context, Arg input, Arg output,
                         const C* params, Op op, Count*... count) noexcept {
  static_assert(sizeof...(Count) <= 1);
  return guarded(function, [&] {
    const Context& ctx = context_of(context);
    const VolumeRef input_ref = to_ref(input.volume, input.name);
    const VolumeRef output_ref = to_ref(output.volume, output.name);
    (require_pointer(count, "count"), ...);
    const auto cpp = read_params(params);
    if constexpr (sizeof...(Count) == 0) {
      op(ctx, input_ref, output_ref, cpp);
    } else {
      ((*count = op(ctx, input_ref, output_ref, cpp)), ...);
    }
  });
}

// ---------------------------------------------------------------------------- result blocks

// Lays out a result that the caller frees with one free(): the struct, then arrays, strings
// and voxels at aligned offsets of one malloc'ed block.
class BlockLayout {
 public:
  std::size_t add(std::size_t bytes, std::size_t align);
  // `count` values of T; `what` names them in the error when they cannot fit.
  template <class T>
  std::size_t add_array(std::size_t count, const char* what) {
    if (count > SIZE_MAX / sizeof(T)) {
      throw Error(Status::overflow, std::to_string(count) + " " + what + " overflow the result");
    }
    return add(count * sizeof(T), alignof(T));
  }
  std::size_t add_string(const std::string& s) { return add(s.size() + 1, 1); }

  // The block (malloc), or std::bad_alloc.
  unsigned char* allocate() const;

 private:
  std::size_t size_ = 0;
};

// Copies `s` with its terminator to `offset` of `block` and returns where it went.
const char* place_string(unsigned char* block, std::size_t offset, const std::string& s);

}  // namespace medkern::capi
