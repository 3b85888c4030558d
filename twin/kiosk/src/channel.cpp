#include <kiosktwin/kiosk/channel.hpp>

namespace kiosktwin::kiosk {

const char* to_string(ChannelError e) noexcept {
    switch (e) {
    case ChannelError::none: return "none";
    case ChannelError::timeout: return "timeout";
    case ChannelError::closed: return "closed";
    case ChannelError::reset: return "reset";
    case ChannelError::refused: return "refused";
    }
    return "?";
}

sim::Process<ExchangeResult> exchange(StreamChannel& ch, ByteView request, const Completion& complete,
                                      sim::Duration timeout) {
    sim::Simulation& s = ch.sim();
    const sim::Time deadline = s.now() + timeout;
    if (!request.empty()) {
        if (const ChannelError e = ch.write(request); e != ChannelError::none) co_return ExchangeResult{e, {}};
    }
    for (;;) {
        Bytes& in = ch.input();
        if (auto n = complete(in)) {
            const auto take = static_cast<std::ptrdiff_t>(std::min(*n, in.size()));
            ExchangeResult r{ChannelError::none, Bytes(in.begin(), in.begin() + take)};
            in.erase(in.begin(), in.begin() + take);
            co_return r;
        }
        const ChannelError e = co_await ch.wait_input(deadline);
        if (e != ChannelError::none) co_return ExchangeResult{e, ch.input()};
    }
}

}  // namespace kiosktwin::kiosk
