// SPDX-License-Identifier: MIT
// Zero-initialised scratch storage for grid-sized intermediate arrays, mapped directly from the kernel
// and marked for transparent huge pages. Fresh anonymous pages are already zero (no memset), and a
// 2 MiB page costs one fault instead of 512: on virtual machines where a 4 KiB fault costs ~10 µs a
// 64 MiB buffer otherwise spends ~0.2 s in the kernel before any work is done.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <span>
#include <type_traits>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace nexusmap {

template <class T>
class LargeBuffer {
  static_assert(std::is_trivial_v<T>, "LargeBuffer holds plain numbers");

 public:
  LargeBuffer() = default;
  explicit LargeBuffer(std::size_t count) : size_(count) {
    if (count == 0) return;
    bytes_ = count * sizeof(T);
#if defined(__linux__)
    // Over-map by one huge page so the data can start on a 2 MiB boundary, which THP needs.
    mapped_ = bytes_ + kHugePage;
    void* p = ::mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    base_ = p;
    const auto address = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t aligned = (address + kHugePage - 1) / kHugePage * kHugePage;
#ifdef MADV_HUGEPAGE
    ::madvise(reinterpret_cast<void*>(aligned), bytes_, MADV_HUGEPAGE);  // a hint; small pages still work
#endif
    data_ = reinterpret_cast<T*>(aligned);
#else
    data_ = static_cast<T*>(std::calloc(count, sizeof(T)));
    if (data_ == nullptr) throw std::bad_alloc();
#endif
  }
  ~LargeBuffer() { release(); }
  LargeBuffer(const LargeBuffer&) = delete;
  LargeBuffer& operator=(const LargeBuffer&) = delete;
  LargeBuffer(LargeBuffer&& o) noexcept
      : data_(o.data_), size_(o.size_), bytes_(o.bytes_), base_(o.base_), mapped_(o.mapped_) {
    o.data_ = nullptr;
    o.base_ = nullptr;
    o.size_ = o.bytes_ = o.mapped_ = 0;
  }
  LargeBuffer& operator=(LargeBuffer&& o) noexcept {
    if (this != &o) {
      release();
      data_ = o.data_;
      size_ = o.size_;
      bytes_ = o.bytes_;
      base_ = o.base_;
      mapped_ = o.mapped_;
      o.data_ = nullptr;
      o.base_ = nullptr;
      o.size_ = o.bytes_ = o.mapped_ = 0;
    }
    return *this;
  }

  [[nodiscard]] T* data() { return data_; }
  [[nodiscard]] const T* data() const { return data_; }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::span<T> span() { return {data_, size_}; }
  [[nodiscard]] std::span<const T> span() const { return {data_, size_}; }

 private:
  void release() {
    if (data_ == nullptr) return;
#if defined(__linux__)
    ::munmap(base_, mapped_);
#else
    std::free(data_);
#endif
    data_ = nullptr;
  }

  static constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
  T* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t bytes_ = 0;
  void* base_ = nullptr;     // the mapping (Linux)
  std::size_t mapped_ = 0;   // its length
};

}  // namespace nexusmap
