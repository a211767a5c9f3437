// Vector types shared by both builds of the kernels (clang/GCC vector extensions: on
// x86-64-v3 one ymm register each, elsewhere what the target has).
#ifndef CSIMD_VECTOR_TYPES_H
#define CSIMD_VECTOR_TYPES_H

#include <stdint.h>
#include <string.h>

typedef float f32x8 __attribute__((vector_size(32)));
typedef int32_t i32x8 __attribute__((vector_size(32)));
typedef int16_t i16x16 __attribute__((vector_size(32)));
typedef int16_t i16x8 __attribute__((vector_size(16)));
typedef uint32_t u32x8 __attribute__((vector_size(32)));

#define CSIMD_CAT_(a, b) a##_##b
#define CSIMD_CAT(a, b) CSIMD_CAT_(a, b)

#endif
