// SPDX-License-Identifier: MIT
#pragma once

// NEXUSMAP_VECTOR_CLONES compiles a hot element-wise loop for AVX-512, AVX2 and baseline x86-64, and
// picks one at load time (GCC target_clones). The loops it marks are element-wise over independent
// lanes or columns, so the width changes speed, not results (files using it are compiled with
// -ffp-contract=off: no clone fuses a multiply-add).
//
// Not under AddressSanitizer: the AVX-512 clone zeroes 64-byte stack arrays with aligned stores, and
// GCC 12's sanitizer stack layout does not keep those frames 64-byte aligned (a general-protection
// fault in the test suite). Sanitizer builds check the logic, which the baseline clone shares.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define NEXUSMAP_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define NEXUSMAP_VECTOR_CLONES
#endif
