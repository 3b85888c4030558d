// GB18030 (China's national character set, a superset of GBK) to and from
// UTF-8, as kiosk software needs it: receipt printers print GB18030, some
// scanners send GBK. glibc's iconv does the work; one converter per
// direction per thread is kept open.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kiosktwin::kiosk {

/// UTF-8 to GB18030; nullopt if the text is not valid UTF-8 (or iconv has no
/// GB18030 module).
std::optional<std::string> utf8_to_gb18030(std::string_view utf8);
/// GB18030 (and so GBK) to UTF-8; nullopt if the bytes are not GB18030.
std::optional<std::string> gb18030_to_utf8(std::string_view gb);

}  // namespace kiosktwin::kiosk
