#include <kiosktwin/sim/special_functions.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace kiosktwin::sim {
namespace {

constexpr double k_undefined = std::numeric_limits<double>::quiet_NaN();
constexpr double k_inf = std::numeric_limits<double>::infinity();
constexpr double k_eps = std::numeric_limits<double>::epsilon();
constexpr double k_tiny = 1e-300;  // Lentz's guard against division by zero
constexpr double k_half_log_two_pi = 0.91893853320467274178;
constexpr double k_sqrt1_2 = 0.70710678118654752440;
constexpr double k_pi = 3.14159265358979323846;
// Below this the Stirling series is not used directly.
constexpr double k_stirling_min = 15.0;

// The Stirling series remainder ln Γ(x) - [(x - ½) ln x - x + ½ ln 2π] for
// x >= 15; the first omitted term is below 4e-18.
double stirling_correction_large(double x) noexcept {
    const double r = 1.0 / x;
    const double r2 = r * r;
    return r * (1.0 / 12.0 +
                r2 * (-1.0 / 360.0 +
                      r2 * (1.0 / 1260.0 +
                            r2 * (-1.0 / 1680.0 + r2 * (1.0 / 1188.0 + r2 * (-691.0 / 360360.0))))));
}

double stirling_main(double x) noexcept { return (x - 0.5) * std::log(x) - x + k_half_log_two_pi; }

// The same remainder for any x > 0.
double stirling_correction(double x) noexcept {
    if (x >= k_stirling_min) return stirling_correction_large(x);
    return log_gamma(x) - stirling_main(x);
}

// ln B(a, b), arranged so that no two large logarithms cancel when a or b is
// large (the t distribution at many degrees of freedom needs this).
double log_beta(double a, double b) noexcept {
    const double small = std::min(a, b);
    const double big = std::max(a, b);
    if (big < k_stirling_min) return log_gamma(a) + log_gamma(b) - log_gamma(a + b);
    if (small < k_stirling_min) {
        return log_gamma(small) + stirling_correction(big) - stirling_correction(big + small) + small -
               (big - 0.5) * std::log1p(small / big) - small * std::log(big + small);
    }
    return k_half_log_two_pi + stirling_correction(a) + stirling_correction(b) -
           stirling_correction(a + b) - (a - 0.5) * std::log1p(b / a) -
           (b - 0.5) * std::log1p(a / b) - 0.5 * std::log(a + b);
}

// ln(x^a e^-x / Γ(a)), the factor in front of both incomplete gamma expansions.
double log_gamma_prefactor(double a, double x) noexcept {
    if (a < k_stirling_min) return a * std::log(x) - x - log_gamma(a);
    // a ln(x/a) + a - x, with log1p only where x/a is near 1 (elsewhere
    // forming 1 + t would round away the digits that matter).
    const double t = (x - a) / a;
    const double log_ratio = std::fabs(t) < 0.5 ? std::log1p(t) : std::log(x) - std::log(a);
    return a * (log_ratio - t) + 0.5 * std::log(a) - k_half_log_two_pi - stirling_correction_large(a);
}

int iteration_limit(double shape) noexcept {
    // Both expansions converge in O(sqrt(shape)) terms near their switch-over.
    return 1000 + static_cast<int>(std::min(1.0e7, 30.0 * std::sqrt(shape)));
}

struct Complementary {
    double p;  // the lower (CDF-like) value
    double q;  // its complement, accurate when small
};

Complementary incomplete_gamma(double a, double x) noexcept {
    if (x <= 0.0) return {0.0, 1.0};
    if (x == k_inf) return {1.0, 0.0};
    const double front = std::exp(log_gamma_prefactor(a, x));
    const int limit = iteration_limit(a);
    if (x < a + 1.0) {
        double ap = a;
        double term = 1.0 / a;
        double sum = term;
        for (int n = 0; n < limit; ++n) {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if (std::fabs(term) < std::fabs(sum) * k_eps) break;
        }
        const double p = std::min(1.0, sum * front);
        return {p, 1.0 - p};
    }
    double b = x + 1.0 - a;
    double c = 1.0 / k_tiny;
    double d = 1.0 / b;
    double h = d;
    for (int i = 1; i <= limit; ++i) {
        const double an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if (std::fabs(d) < k_tiny) d = k_tiny;
        c = b + an / c;
        if (std::fabs(c) < k_tiny) c = k_tiny;
        d = 1.0 / d;
        const double delta = d * c;
        h *= delta;
        if (std::fabs(delta - 1.0) < k_eps) break;
    }
    const double q = std::min(1.0, front * h);
    return {1.0 - q, q};
}

// Continued fraction for I_x(a, b) (Numerical Recipes' betacf, modified Lentz).
double beta_continued_fraction(double a, double b, double x) noexcept {
    const double qab = a + b;
    const double qap = a + 1.0;
    const double qam = a - 1.0;
    double c = 1.0;
    double d = 1.0 - qab * x / qap;
    if (std::fabs(d) < k_tiny) d = k_tiny;
    d = 1.0 / d;
    double h = d;
    const int limit = iteration_limit(std::max(a, b));
    for (int m = 1; m <= limit; ++m) {
        const double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (std::fabs(d) < k_tiny) d = k_tiny;
        c = 1.0 + aa / c;
        if (std::fabs(c) < k_tiny) c = k_tiny;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if (std::fabs(d) < k_tiny) d = k_tiny;
        c = 1.0 + aa / c;
        if (std::fabs(c) < k_tiny) c = k_tiny;
        d = 1.0 / d;
        const double delta = d * c;
        h *= delta;
        if (std::fabs(delta - 1.0) < k_eps) break;
    }
    return h;
}

// I_x(a, b) and 1 - I_x(a, b), given x, y = 1 - x and their logarithms, each
// formed by the caller as accurately as it can (a ln x and b ln y amplify any
// rounding in x or y by a and b).
struct BetaArgument {
    double x;
    double y;
    double log_x;
    double log_y;
};

Complementary incomplete_beta(double a, double b, const BetaArgument& arg) noexcept {
    const double x = arg.x;
    const double y = arg.y;
    if (x <= 0.0 && arg.log_x == -k_inf) return {0.0, 1.0};
    if (y <= 0.0 && arg.log_y == -k_inf) return {1.0, 0.0};
    const double log_front = a * arg.log_x + b * arg.log_y - log_beta(a, b);
    if (x < (a + 1.0) / (a + b + 2.0)) {
        const double p = std::min(1.0, std::exp(log_front) * beta_continued_fraction(a, b, x) / a);
        return {p, 1.0 - p};
    }
    const double q = std::min(1.0, std::exp(log_front) * beta_continued_fraction(b, a, y) / b);
    return {1.0 - q, q};
}

// P(T > t) for t >= 0: ½ I_x(df/2, ½) with x = df / (df + t²) = 1 / (1 + r²),
// r = t / √df, formed without overflow or underflow for huge t.
double student_t_upper_tail(double t, double df) noexcept {
    if (t == k_inf) return 0.0;
    const double r = t / std::sqrt(df);
    BetaArgument arg{};
    if (r <= 1.0) {
        const double r2 = r * r;
        arg.x = 1.0 / (1.0 + r2);
        arg.y = r2 / (1.0 + r2);
        arg.log_x = -std::log1p(r2);
        arg.log_y = 2.0 * std::log(r) + arg.log_x;
    } else {
        const double inv_r = 1.0 / r;
        const double s = inv_r * inv_r;
        arg.x = s / (1.0 + s);
        arg.y = 1.0 / (1.0 + s);
        arg.log_y = -std::log1p(s);
        arg.log_x = 2.0 * std::log(inv_r) + arg.log_y;
    }
    return 0.5 * incomplete_beta(0.5 * df, 0.5, arg).p;
}

// ln of the t density at t >= 0.
double student_t_log_pdf(double t, double df) noexcept {
    const double r = t / std::sqrt(df);
    const double log1p_r2 = r <= 1.0 ? std::log1p(r * r) : 2.0 * std::log(r) + std::log1p(1.0 / (r * r));
    return -log_beta(0.5 * df, 0.5) - 0.5 * std::log(df) - 0.5 * (df + 1.0) * log1p_r2;
}

struct Residual {
    double value;
    double slope;
};

// Root of an increasing function g of s (g(lo) < 0 < g(hi) once bracketed),
// by Newton steps that fall back to bisection whenever a step would leave the
// bracket. `s` is the first guess. Works in s = ln x, where the tails of the
// distributions here are nearly linear, so Newton converges in a few steps.
template <class G>
double solve_increasing(G g, double s) {
    const Residual first = g(s);
    if (first.value == 0.0) return s;
    double lo = s;
    double hi = s;
    // Bracket by steps of doubling width; 16 doublings span the double range.
    double step = 1.0;
    if (first.value < 0.0) {
        hi = s + step;
        for (int i = 0; i < 16 && g(hi).value < 0.0; ++i) {
            lo = hi;
            step *= 2.0;
            hi = lo + step;
        }
    } else {
        lo = s - step;
        for (int i = 0; i < 16 && g(lo).value > 0.0; ++i) {
            hi = lo;
            step *= 2.0;
            lo = hi - step;
        }
    }
    double x = s;
    for (int i = 0; i < 400; ++i) {
        const Residual r = g(x);
        if (r.value == 0.0) return x;
        if (r.value < 0.0) lo = x;
        else hi = x;
        double next = x - r.value / r.slope;
        if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
        const double tolerance = 4.0 * k_eps * std::max(1.0, std::fabs(x));
        if (std::fabs(next - x) <= tolerance || hi - lo <= tolerance) return next;
        x = next;
    }
    return x;
}

}  // namespace

double log_gamma(double x) noexcept {
    if (!(x > 0.0)) return k_undefined;
    if (x == k_inf) return k_inf;
    if (x >= k_stirling_min) return stirling_main(x) + stirling_correction_large(x);
    double product = 1.0;
    while (x < k_stirling_min) {
        product *= x;
        x += 1.0;
    }
    return stirling_main(x) + stirling_correction_large(x) - std::log(product);
}

double normal_cdf(double x) noexcept { return 0.5 * std::erfc(-x * k_sqrt1_2); }

double normal_quantile(double p) noexcept {
    if (!(p >= 0.0 && p <= 1.0)) return k_undefined;
    if (p == 0.0) return -k_inf;
    if (p == 1.0) return k_inf;
    // Wichura (1988), Algorithm AS 241, PPND16.
    const double q = p - 0.5;
    if (std::fabs(q) <= 0.425) {
        const double r = 0.180625 - q * q;
        const double num =
            (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r +
                  6.7265770927008700853e+4) * r + 4.5921953931549871457e+4) * r +
                1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r +
              1.3314166789178437745e+2) * r + 3.3871328727963666080e+0) * q;
        const double den =
            ((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r +
                 3.9307895800092710610e+4) * r + 2.1213794301586595867e+4) * r +
               5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r +
             4.2313330701600911252e+1) * r + 1.0;
        return num / den;
    }
    double r = q < 0.0 ? p : 1.0 - p;
    r = std::sqrt(-std::log(r));
    double x = 0.0;
    if (r <= 5.0) {
        r -= 1.6;
        const double num =
            ((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r +
                 2.41780725177450611770e-1) * r + 1.27045825245236838258e+0) * r +
               3.64784832476320460504e+0) * r + 5.76949722146069140550e+0) * r +
             4.63033784615654529590e+0) * r + 1.42343711074968357734e+0;
        const double den =
            ((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r +
                 1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r +
               6.89767334985100004550e-1) * r + 1.67638483018380384940e+0) * r +
             2.05319162663775882187e+0) * r + 1.0;
        x = num / den;
    } else {
        r -= 5.0;
        const double num =
            ((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r +
                 1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r +
               2.96560571828504891230e-1) * r + 1.78482653991729133580e+0) * r +
             5.46378491116411436990e+0) * r + 6.65790464350110377720e+0;
        const double den =
            ((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r +
                 1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r +
               1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r +
             5.99832206555887937690e-1) * r + 1.0;
        x = num / den;
    }
    return q < 0.0 ? -x : x;
}

double regularized_gamma_p(double a, double x) noexcept {
    if (!(a > 0.0) || !(x >= 0.0)) return k_undefined;
    return incomplete_gamma(a, x).p;
}

double regularized_gamma_q(double a, double x) noexcept {
    if (!(a > 0.0) || !(x >= 0.0)) return k_undefined;
    return incomplete_gamma(a, x).q;
}

double regularized_beta(double x, double a, double b) noexcept {
    if (!(a > 0.0) || !(b > 0.0) || !(x >= 0.0 && x <= 1.0)) return k_undefined;
    return incomplete_beta(a, b, {x, 1.0 - x, std::log(x), std::log1p(-x)}).p;
}

double student_t_cdf(double t, double df) noexcept {
    if (std::isnan(t) || !(df > 0.0)) return k_undefined;
    if (df == k_inf) return normal_cdf(t);
    const double tail = student_t_upper_tail(std::fabs(t), df);
    return t > 0.0 ? 1.0 - tail : tail;
}

double student_t_quantile(double p, double df) noexcept {
    if (!(p >= 0.0 && p <= 1.0) || !(df > 0.0)) return k_undefined;
    if (p == 0.0) return -k_inf;
    if (p == 1.0) return k_inf;
    if (p == 0.5) return 0.0;
    if (df == k_inf) return normal_quantile(p);
    // Solve for the upper tail q = min(p, 1 - p) (exact: Sterbenz) and fix the sign.
    const double q = p < 0.5 ? p : 1.0 - p;
    const double sign = p < 0.5 ? -1.0 : 1.0;
    if (df == 1.0) return sign / std::tan(k_pi * q);
    if (df == 2.0) return sign * (1.0 - 2.0 * q) / std::sqrt(2.0 * q * (1.0 - q));

    // Cornish-Fisher start (Abramowitz & Stegun 26.7.5).
    const double z = -normal_quantile(q);
    const double z2 = z * z;
    double guess = z + z * (z2 + 1.0) / (4.0 * df) +
                   z * ((5.0 * z2 + 16.0) * z2 + 3.0) / (96.0 * df * df) +
                   z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / (384.0 * df * df * df);
    if (!(guess > 0.0) || !std::isfinite(guess)) guess = z;
    const double log_q = std::log(q);
    // g(s) = ln q - ln P(T > e^s) increases with s.
    const auto g = [&](double s) {
        const double t = std::exp(s);
        const double tail = student_t_upper_tail(t, df);
        const double log_tail = std::log(tail);
        return Residual{log_q - log_tail, std::exp(s + student_t_log_pdf(t, df) - log_tail)};
    };
    return sign * std::exp(solve_increasing(g, std::log(guess)));
}

double chi_square_cdf(double x, double df) noexcept {
    if (std::isnan(x) || !(df > 0.0)) return k_undefined;
    if (x <= 0.0) return 0.0;
    return incomplete_gamma(0.5 * df, 0.5 * x).p;
}

double chi_square_quantile(double p, double df) noexcept {
    if (!(p >= 0.0 && p <= 1.0) || !(df > 0.0)) return k_undefined;
    if (p == 0.0) return 0.0;
    if (p == 1.0) return k_inf;
    const double a = 0.5 * df;
    // Wilson-Hilferty start; for small p and df, the leading term of the
    // series P(a, y) ~ y^a / Γ(a + 1).
    const double h = 2.0 / (9.0 * df);
    const double wh = df * std::pow(1.0 - h + normal_quantile(p) * std::sqrt(h), 3.0);
    double log_y = wh > 0.0 ? std::log(0.5 * wh) : (std::log(p) + log_gamma(a + 1.0)) / a;
    if (!std::isfinite(log_y)) log_y = 0.0;

    const bool lower = p <= 0.5;
    const double log_target = lower ? std::log(p) : std::log1p(-p);
    // In s = ln y: d/ds ln P = y^a e^-y / (Γ(a) P), and ln Q falls at the same rate relative to Q.
    const auto g = [&](double s) {
        const double y = std::exp(s);
        const Complementary pq = incomplete_gamma(a, y);
        const double front = std::exp(log_gamma_prefactor(a, y));
        if (lower) return Residual{std::log(pq.p) - log_target, front / pq.p};
        return Residual{log_target - std::log(pq.q), front / pq.q};
    };
    return 2.0 * std::exp(solve_increasing(g, log_y));
}

}  // namespace kiosktwin::sim
