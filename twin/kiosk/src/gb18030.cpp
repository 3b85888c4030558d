#include <kiosktwin/kiosk/gb18030.hpp>

#include <iconv.h>

namespace kiosktwin::kiosk {

namespace {

class Converter {
public:
    Converter(const char* to, const char* from) : m_cd(iconv_open(to, from)) {}
    ~Converter() {
        if (ok()) iconv_close(m_cd);
    }
    Converter(const Converter&) = delete;
    Converter& operator=(const Converter&) = delete;
    bool ok() const noexcept { return m_cd != reinterpret_cast<iconv_t>(-1); }

    std::optional<std::string> operator()(std::string_view in) {
        if (!ok()) return std::nullopt;
        iconv(m_cd, nullptr, nullptr, nullptr, nullptr);  // a fresh shift state
        // Neither direction more than doubles the bytes, plus a little.
        std::string out(in.size() * 2 + 8, '\0');
        // iconv takes a non-const pointer but does not write through it.
        char* inp = const_cast<char*>(in.data());
        std::size_t in_left = in.size();
        char* outp = out.data();
        std::size_t out_left = out.size();
        if (iconv(m_cd, &inp, &in_left, &outp, &out_left) == static_cast<std::size_t>(-1) || in_left != 0)
            return std::nullopt;
        out.resize(out.size() - out_left);
        return out;
    }

private:
    iconv_t m_cd;
};

}  // namespace

std::optional<std::string> utf8_to_gb18030(std::string_view utf8) {
    thread_local Converter c("GB18030", "UTF-8");
    return c(utf8);
}

std::optional<std::string> gb18030_to_utf8(std::string_view gb) {
    thread_local Converter c("UTF-8", "GB18030");
    return c(gb);
}

}  // namespace kiosktwin::kiosk
