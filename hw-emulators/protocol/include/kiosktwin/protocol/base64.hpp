// Base64 (RFC 4648, standard alphabet, padded): images in JSON bodies (R-8.2-1).
#pragma once

#include <kiosktwin/protocol/bytes.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace kiosktwin::protocol {

std::string base64_encode(ByteView bytes);
/// Decodes padded or unpadded Base64, ignoring ASCII white space; nullopt on
/// any other character or a malformed length.
std::optional<Bytes> base64_decode(std::string_view text);
/// What base64_decode would give, counted without decoding: the number of
/// bytes, or nullopt if the text is not Base64.
std::optional<std::size_t> base64_decoded_size(std::string_view text) noexcept;

}  // namespace kiosktwin::protocol
