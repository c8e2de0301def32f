// Overflow-checked integer arithmetic for sizes and counts taken from user input.
// Every size a user can set (a layer's width, a chip's tile count, a sweep's grid) is multiplied out with
// these before anything is allocated; an overflow is reported by the caller with the value and its bound.
// Header-only; no dependency on the rest of cimsim, so models/, workloads/, mapper/ and sim/ all use it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>

namespace cimsim::common {

/// a * b, or nullopt when the product does not fit int64 (GCC/Clang builtin, exact for any operands).
inline std::optional<std::int64_t> checked_mul(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

/// a + b, or nullopt on int64 overflow.
inline std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

/// The product of all factors, or nullopt when any partial product overflows int64.
inline std::optional<std::int64_t> checked_product(std::initializer_list<std::int64_t> factors) {
  std::int64_t r = 1;
  for (std::int64_t f : factors) {
    if (__builtin_mul_overflow(r, f, &r)) return std::nullopt;
  }
  return r;
}

/// The product of all factors if it is at most `bound`, else nullopt (overflow counts as above the bound).
/// Use for "is this size allowed": a nullopt names the bound in the caller's error message.
inline std::optional<std::int64_t> product_within(std::initializer_list<std::int64_t> factors, std::int64_t bound) {
  const auto p = checked_product(factors);
  if (!p || *p > bound) return std::nullopt;
  return p;
}

}  // namespace cimsim::common
