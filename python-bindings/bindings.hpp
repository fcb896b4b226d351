// What every family's bindings share: array descriptors as views, and keyword arguments as
// parameter structs through their field lists (medkern/fields.hpp).
//
// An op's parameters arrive as keyword arguments named as the C++ struct's fields; those not
// given keep the struct's initialisers, which `_core.defaults[op]` publishes, so that no
// default is written here or in Python. Each value is cast by its field's type, and a value
// that does not cast (a float for an int, 256 for a uint8) is an InvalidArgumentError naming
// the field. Everything else about a value (its range, its consistency with other fields) is
// checked by the op itself. Arguments bound on their own (seeds, device ordinals, pool sizes)
// are taken as Python objects and cast the same way, never by pybind11's typed casts, whose
// failure is a TypeError that prints the whole signature.
#pragma once

#include <pybind11/pybind11.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "medkern/medkern.hpp"

namespace medkern::python {

namespace py = pybind11;

// Arrays arrive as descriptors: (data_ptr, dtype_code, shape[3], strides[3] in elements,
// spacing[3] in mm, device: -1 for host memory), built by medkern/_arrays.py. `what` names the
// argument in errors.
VolumeRef to_volume(py::handle descriptor, const char* what);

// An optional descriptor (None for none) and the storage that keeps its VolumeRef alive.
struct OptionalVolume {
  VolumeRef ref;
  bool present = false;
  OptionalVolume(py::handle descriptor, const char* what) {
    if (!descriptor.is_none()) {
      ref = to_volume(descriptor, what);
      present = true;
    }
  }
  const VolumeRef* get() const { return present ? &ref : nullptr; }
};

[[noreturn]] inline void invalid_argument(const std::string& message) {
  throw Error(Status::invalid_argument, message);
}

inline std::string repr_of(py::handle value) {
  return py::repr(value).cast<std::string>();
}

// ---------------------------------------------------------------------------- field casts

template <class T>
struct IsArray : std::false_type {};
template <class T, std::size_t N>
struct IsArray<std::array<T, N>> : std::true_type {};

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <class T>
constexpr bool kAlwaysFalse = false;

// "int32", "uint8": the C++ type in messages.
template <class T>
std::string integer_type_name() {
  return std::string(std::is_signed_v<T> ? "int" : "uint") + std::to_string(8 * sizeof(T));
}

// operator.index(value) (so neither a float nor a bool) within the range of T.
template <class T>
T integer_from_python(py::handle value, const char* name) {
  auto index = py::reinterpret_steal<py::object>(
      PyBool_Check(value.ptr()) ? nullptr : PyNumber_Index(value.ptr()));
  if (!index) {
    PyErr_Clear();
    invalid_argument(std::string(name) + ": " + repr_of(value) + " is not an integer");
  }
  using Limits = std::numeric_limits<T>;
  auto out_of_range = [&]() {
    invalid_argument(std::string(name) + ": " + py::str(index).cast<std::string>() +
                     " does not fit in " + integer_type_name<T>() + " (" +
                     std::to_string(Limits::min()) + ".." + std::to_string(Limits::max()) + ")");
  };
  if constexpr (std::is_unsigned_v<T> && sizeof(T) == sizeof(unsigned long long)) {
    // Beyond long long: Python's own conversion, which refuses negatives and values past
    // 2^64 - 1 with OverflowError.
    const unsigned long long number = PyLong_AsUnsignedLongLong(index.ptr());
    if (number == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {
      if (!PyErr_ExceptionMatches(PyExc_OverflowError)) throw py::error_already_set();
      PyErr_Clear();
      out_of_range();
    }
    return static_cast<T>(number);
  } else {
    int overflow = 0;
    const long long number = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
    if (overflow == 0 && number == -1 && PyErr_Occurred()) throw py::error_already_set();
    if (overflow != 0 || number < static_cast<long long>(Limits::min()) ||
        number > static_cast<long long>(Limits::max())) {
      out_of_range();
    }
    return static_cast<T>(number);
  }
}

// `value` as the type T of the field `name`: bool by truth value (as Python's bool()), enums
// through their underlying integer, integers and floats as operator.index() and float() take
// them, std::optional from None or a value, std::array from a sequence of its length.
template <class T>
T from_python(py::handle value, const char* name) {
  if constexpr (std::is_same_v<T, bool>) {
    const int truth = PyObject_IsTrue(value.ptr());
    if (truth < 0) throw py::error_already_set();
    return truth != 0;
  } else if constexpr (std::is_enum_v<T>) {
    return static_cast<T>(integer_from_python<std::underlying_type_t<T>>(value, name));
  } else if constexpr (std::is_integral_v<T>) {
    return integer_from_python<T>(value, name);
  } else if constexpr (std::is_floating_point_v<T>) {
    const auto number = py::reinterpret_steal<py::object>(PyNumber_Float(value.ptr()));
    if (!number) {
      // An int past the largest double (10**400) is a number all the same.
      const bool too_large = PyErr_ExceptionMatches(PyExc_OverflowError);
      PyErr_Clear();
      invalid_argument(std::string(name) + ": " + repr_of(value) +
                       (too_large ? " is too large for a float64" : " is not a number"));
    }
    return static_cast<T>(PyFloat_AS_DOUBLE(number.ptr()));
  } else if constexpr (IsOptional<T>::value) {
    if (value.is_none()) return T{};
    return from_python<typename T::value_type>(value, name);
  } else if constexpr (IsArray<T>::value) {
    T result{};
    if (!py::isinstance<py::sequence>(value) || py::len(value) != result.size()) {
      invalid_argument(std::string(name) + ": " + repr_of(value) + " is not a sequence of " +
                       std::to_string(result.size()) + " values");
    }
    const auto items = py::reinterpret_borrow<py::sequence>(value);
    for (std::size_t i = 0; i < result.size(); ++i) {
      result[i] = from_python<typename T::value_type>(items[i], name);
    }
    return result;
  } else {
    static_assert(kAlwaysFalse<T>, "a field type with no Python cast");
  }
}

template <class T>
py::object to_python(const T& value) {
  if constexpr (std::is_enum_v<T>) {
    return py::int_(static_cast<std::underlying_type_t<T>>(value));
  } else if constexpr (IsOptional<T>::value) {
    return value ? to_python(*value) : py::none();
  } else if constexpr (IsArray<T>::value) {
    py::tuple items(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) items[i] = to_python(value[i]);
    return std::move(items);
  } else {
    return py::cast(value);
  }
}

// ---------------------------------------------------------------------------- parameters

// The fields of `params` as a dict, name -> Python value.
template <class Params>
py::dict fields_to_dict(const Params& params) {
  py::dict d;
  for_each_field(params, [&](const char* name, const auto& value) { d[name] = to_python(value); });
  return d;
}

// The parameters of `op` from its keyword arguments; fields not given keep the struct's
// defaults, and a keyword that names no field is an error.
template <class Params>
Params params_from_kwargs(const py::kwargs& kwargs, const char* op) {
  Params params{};
  std::size_t used = 0;
  for_each_field(params, [&](const char* name, auto& field) {
    if (kwargs.contains(name)) {
      field = from_python<std::decay_t<decltype(field)>>(kwargs[name], name);
      ++used;
    }
  });
  if (used != kwargs.size()) {
    const py::dict known = fields_to_dict(params);
    const std::string names = py::str(", ").attr("join")(known).cast<std::string>();
    for (const auto& item : kwargs) {
      if (!known.contains(item.first)) {
        invalid_argument(std::string(op) + ": " + repr_of(item.first) +
                         " is not one of its parameters (" + names + ")");
      }
    }
  }
  return params;
}

// Publishes the defaults of `op`'s parameters as `_core.defaults[op]` (a dict made by the
// module before the families register) and returns a docstring line that lists them.
template <class Params>
std::string publish_defaults(py::module_& m, const char* op) {
  const py::dict defaults = fields_to_dict(Params{});
  m.attr("defaults")[op] = defaults;
  return " Parameters by keyword, with their defaults: " + repr_of(defaults) + ".";
}

// ---------------------------------------------------------------------------- ops

// Returns the op's result to Python as pybind11 casts it.
struct CastResult {
  template <class R>
  py::object operator()(R&& result) const {
    return py::cast(std::forward<R>(result));
  }
};

// Binds `op(context, first, second, params)` as `name(ctx, <first>, <second>, **params)`, the
// shape of most ops (an input and an output; an image and its labels). The GIL is released
// while the op runs; its result, if it has one, goes through `convert`.
template <class Params, class Result, class Convert = CastResult>
void def_op(py::module_& m, const char* name,
            Result (*op)(const Context&, const VolumeRef&, const VolumeRef&, const Params&),
            std::array<const char*, 2> volumes, const std::string& doc, Convert convert = {}) {
  const std::string full_doc = doc + publish_defaults<Params>(m, name);
  m.def(
      name,
      [=](const Context& ctx, py::handle first, py::handle second,
          const py::kwargs& kwargs) -> py::object {
        const VolumeRef a = to_volume(first, volumes[0]);
        const VolumeRef b = to_volume(second, volumes[1]);
        const Params params = params_from_kwargs<Params>(kwargs, name);
        if constexpr (std::is_void_v<Result>) {
          {
            py::gil_scoped_release release;
            op(ctx, a, b, params);
          }
          return py::none();
        } else {
          auto result = [&] {
            py::gil_scoped_release release;
            return op(ctx, a, b, params);
          }();
          return convert(std::move(result));
        }
      },
      py::arg("ctx"), py::arg(volumes[0]), py::arg(volumes[1]), full_doc.c_str());
}

}  // namespace medkern::python
