// Base64 and the PNG encoder against known vectors and a real PNG reader.
#include <kiosktwin/protocol/base64.hpp>
#include <kiosktwin/protocol/png.hpp>

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace protocol_base64_png_test {

using namespace kiosktwin::protocol;

namespace {
Bytes b(const std::string& s) { return Bytes(s.begin(), s.end()); }
}  // namespace

TEST_CASE("Base64 matches the RFC 4648 test vectors both ways", "[protocol][base64]") {
    const std::pair<std::string, std::string> v[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                     {"foo", "Zm9v"},  {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                     {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, enc] : v) {
        CHECK(base64_encode(b(plain)) == enc);
        CHECK(base64_decode(enc) == b(plain));
    }
    CHECK(base64_decode("Zm9v\nYmFy") == b("foobar"));
    CHECK(base64_decode("Zm9vYg") == b("foob"));  // unpadded
    for (const char* bad : {"Zm9v*", "Z", "Zm9vY===", "Zg==Zg", "===="})
        CHECK_FALSE(base64_decode(bad).has_value());
}

TEST_CASE("CRC-32 matches the standard check value", "[protocol][png]") {
    CHECK(crc32(b("123456789")) == 0xCBF43926u);
}

TEST_CASE("PNG output is read back exactly by a real decoder", "[protocol][png]") {
    const std::uint32_t w = 300, h = 250;  // > 65535 bytes of RGB: several stored blocks
    Bytes px(std::size_t{w} * h * 3);
    for (std::uint32_t y = 0; y < h; ++y)
        for (std::uint32_t x = 0; x < w; ++x) {
            px[(y * w + x) * 3] = static_cast<std::uint8_t>(x);
            px[(y * w + x) * 3 + 1] = static_cast<std::uint8_t>(y);
            px[(y * w + x) * 3 + 2] = static_cast<std::uint8_t>(x ^ y);
        }
    const Bytes png = encode_png(w, h, PngColour::rgb, px);
    REQUIRE(png.size() > px.size());
    CHECK(png[0] == 0x89);
    // Python's zlib (always present with python3) inflates the IDAT and checks the CRCs.
    const std::string path = "/tmp/kiosktwin-test.png";
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(png.data()),
                                                static_cast<std::streamsize>(png.size()));
    const std::string script =
        "import zlib,struct,sys\n"
        "d=open(sys.argv[1],'rb').read(); assert d[:8]==b'\\x89PNG\\r\\n\\x1a\\n'; p=8; idat=b''\n"
        "while p<len(d):\n"
        "  n,=struct.unpack('>I',d[p:p+4]); t=d[p+4:p+8]; c=d[p+8:p+8+n]\n"
        "  assert zlib.crc32(t+c)==struct.unpack('>I',d[p+8+n:p+12+n])[0]\n"
        "  idat+=c if t==b'IDAT' else b''; ihdr=c if t==b'IHDR' else locals().get('ihdr'); p+=12+n\n"
        "w,h=struct.unpack('>II',ihdr[:8]); raw=zlib.decompress(idat)\n"
        "assert len(raw)==h*(w*3+1); x,y=17,33; o=y*(w*3+1)+1+x*3\n"
        "assert raw[o:o+3]==bytes([x,y,x^y]); print('ok')\n";
    std::ofstream("/tmp/kiosktwin-png-check.py") << script;
    FILE* p = ::popen(("/usr/bin/python3 /tmp/kiosktwin-png-check.py " + path + " 2>&1").c_str(), "r");
    REQUIRE(p != nullptr);
    char buf[256] = {};
    const std::size_t n = std::fread(buf, 1, sizeof buf - 1, p);
    ::pclose(p);
    CHECK(std::string(buf, n) == "ok\n");
    CHECK_THROWS_AS(encode_png(2, 2, PngColour::grey, Bytes(3)), std::invalid_argument);
}

TEST_CASE("Base64 can be checked and sized without decoding", "[protocol][base64]") {
    for (const char* t : {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg", "Zm9v\nYmFy", "Zm9v*", "Z", "Zm9vY===", "Zg==Zg"}) {
        INFO(t);
        const auto decoded = base64_decode(t);
        const auto size = base64_decoded_size(t);
        REQUIRE(decoded.has_value() == size.has_value());
        if (decoded) CHECK(decoded->size() == *size);
    }
}

}  // namespace protocol_base64_png_test
