// What a back-end's change answers: ok, or the refusal — the api error, the
// JSON pointer into the request body when it is about one field, and a
// reason. A refused change leaves the back-end's state as it was.
#pragma once

#include <kiosktwin/api/errors.hpp>

#include <string>

namespace kiosktwin::services {

struct Outcome {
    api::ErrorCode error = api::ErrorCode::ok;
    std::string path;
    std::string reason;
    bool ok() const noexcept { return error == api::ErrorCode::ok; }
    explicit operator bool() const noexcept { return ok(); }
};

}  // namespace kiosktwin::services
