// A unique_ptr deleter that calls a C library's free function, so each
// handle type is one line: std::unique_ptr<CURL, FreeWith<curl_easy_cleanup>>.
#pragma once

namespace xc {

template <auto F>
struct FreeWith {
  template <typename T>
  void operator()(T* p) const {
    F(p);
  }
};

}  // namespace xc
