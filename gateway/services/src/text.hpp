// Small text helpers shared by the back-ends' sources (not a public header).
#pragma once

#include <string>
#include <string_view>

namespace kiosktwin::services::detail {

/// Concatenation by append: GCC 12 flags `"literal" + std::string&&` with a
/// false -Wrestrict positive under -Werror.
template <class... T>
std::string cat(const T&... parts) {
    std::string out;
    (out.append(std::string_view(parts)), ...);
    return out;
}

}  // namespace kiosktwin::services::detail
