#include <catch2/catch.hpp>

#include <kiosktwin/sim/special_functions.hpp>

#include <cmath>
#include <initializer_list>
#include <limits>

using namespace kiosktwin::sim;

// Reference values computed with mpmath at 30 digits.

namespace {

Approx rel(double expected, double epsilon = 1e-12) { return Approx(expected).epsilon(epsilon).margin(0.0); }

}  // namespace

TEST_CASE("normal quantile (AS241) and CDF match reference values", "[special]") {
    CHECK(normal_quantile(0.975) == rel(1.95996398454005423552, 1e-15));
    CHECK(normal_quantile(0.025) == rel(-1.95996398454005423552, 1e-15));
    CHECK(normal_quantile(1e-10) == rel(-6.36134090240405620470, 1e-14));
    CHECK(normal_quantile(0.5) == 0.0);
    CHECK(normal_quantile(0.0) == -std::numeric_limits<double>::infinity());
    CHECK(normal_quantile(1.0) == std::numeric_limits<double>::infinity());
    CHECK(std::isnan(normal_quantile(1.5)));
    CHECK(std::isnan(normal_quantile(std::nan(""))));

    CHECK(normal_cdf(-3.0) == rel(0.00134989803163009452665));
    CHECK(normal_cdf(1.5) == rel(0.933192798731141933996));
    for (const double p : {1e-300, 1e-20, 1e-5, 0.01, 0.3, 0.6, 0.99, 0.999999}) {
        // d ln Φ/dx = |x| in the tail amplifies the last-bit error of x.
        CHECK(normal_cdf(normal_quantile(p)) == rel(p, 1e-12));
    }
}

TEST_CASE("log_gamma matches reference values", "[special]") {
    CHECK(log_gamma(0.5) == rel(0.572364942924700087072, 1e-14));
    CHECK(log_gamma(100.0) == rel(359.134205369575398776, 1e-15));
    CHECK(log_gamma(1e-5) == rel(11.5129196928958257074, 1e-14));
    CHECK(std::fabs(log_gamma(1.0)) < 1e-14);
    CHECK(std::fabs(log_gamma(2.0)) < 1e-14);
    CHECK(log_gamma(10.0) == rel(std::log(362880.0), 1e-14));
    CHECK(std::isnan(log_gamma(0.0)));
    CHECK(std::isnan(log_gamma(-1.5)));
}

TEST_CASE("regularized incomplete gamma and beta match reference values", "[special]") {
    CHECK(regularized_gamma_p(3.0, 2.0) == rel(0.323323583816936540530));
    CHECK(regularized_gamma_q(3.0, 2.0) == rel(0.676676416183063459470));
    CHECK(regularized_gamma_q(0.5, 30.0) == rel(9.4857375710738483885e-15, 1e-11));
    CHECK(regularized_gamma_p(100.0, 80.0) == rel(0.0171083130351331141659, 1e-11));
    CHECK(regularized_gamma_p(2.0, 0.0) == 0.0);
    CHECK(regularized_gamma_q(2.0, 0.0) == 1.0);
    CHECK(std::isnan(regularized_gamma_p(0.0, 1.0)));
    CHECK(std::isnan(regularized_gamma_p(1.0, -1.0)));

    CHECK(regularized_beta(0.3, 2.0, 5.0) == rel(0.579825));
    CHECK(regularized_beta(0.2, 30.0, 40.0) == rel(8.14350065456990180495e-6, 1e-11));
    CHECK(regularized_beta(0.0, 2.0, 3.0) == 0.0);
    CHECK(regularized_beta(1.0, 2.0, 3.0) == 1.0);
    // I_x(a, b) = 1 - I_{1-x}(b, a).
    CHECK(regularized_beta(0.35, 4.5, 2.25) == rel(1.0 - regularized_beta(0.65, 2.25, 4.5), 1e-13));
    CHECK(std::isnan(regularized_beta(1.5, 2.0, 3.0)));
}

TEST_CASE("Student t quantiles match the tables", "[special]") {
    CHECK(student_t_quantile(0.975, 19) == rel(2.09302405440830976918));
    CHECK(student_t_quantile(0.975, 1) == rel(12.7062047361747046460));
    CHECK(student_t_quantile(0.975, 1000) == rel(1.96233908082640848500));
    CHECK(student_t_quantile(0.995, 5) == rel(4.03214298355522807837));
    // (The lower tail, as 1 - 1e-7 is not exact in binary.)
    CHECK(student_t_quantile(1e-7, 3) == rel(-222.571590947198731152));
    CHECK(student_t_quantile(0.975, 2.5) == rel(3.57465484200368321845));
    CHECK(student_t_quantile(0.025, 19) == rel(-2.09302405440830976918));
    CHECK(student_t_quantile(0.5, 7) == 0.0);
    // df = 2 has the closed form t = (2p - 1) / sqrt(2p(1 - p)).
    CHECK(student_t_quantile(0.9, 2) == rel(0.8 / std::sqrt(2.0 * 0.9 * 0.1)));
    // Converges to the normal quantile for large df.
    CHECK(student_t_quantile(0.975, 1e9) == Approx(1.95996398454).epsilon(1e-8));
    CHECK(std::isnan(student_t_quantile(0.9, 0.0)));
    CHECK(std::isnan(student_t_quantile(-0.1, 3.0)));
}

TEST_CASE("Student t CDF matches reference values and inverts the quantile", "[special]") {
    CHECK(student_t_cdf(1.5, 7) == rel(0.911350756505014983423));
    CHECK(student_t_cdf(-4.0, 3.5) == rel(0.0104603081827018620914));
    CHECK(student_t_cdf(0.0, 4.0) == 0.5);
    CHECK(student_t_cdf(1e200, 4.0) == 1.0);
    for (const double df : {0.7, 1.0, 3.0, 10.0, 57.5, 1e4}) {
        for (const double p : {1e-9, 0.001, 0.2, 0.5, 0.8, 0.999}) {
            const double t = student_t_quantile(p, df);
            CHECK(student_t_cdf(t, df) == Approx(p).epsilon(1e-10).margin(1e-15));
        }
    }
}

TEST_CASE("chi-square quantiles match the tables and invert the CDF", "[special]") {
    CHECK(chi_square_quantile(0.95, 23) == rel(35.1724616269080590323));
    CHECK(chi_square_quantile(0.95, 1) == rel(3.84145882069412595836));
    CHECK(chi_square_quantile(0.001, 10) == rel(1.47874346383566503365));
    CHECK(chi_square_quantile(0.999, 167) == rel(229.214616473278573709));
    CHECK(chi_square_quantile(0.5, 0.5) == rel(0.0873476047057468207339));
    CHECK(chi_square_quantile(0.0, 3) == 0.0);
    CHECK(chi_square_quantile(1.0, 3) == std::numeric_limits<double>::infinity());
    // chi2 with 2 df is exponential with mean 2.
    CHECK(chi_square_cdf(3.0, 2.0) == rel(1.0 - std::exp(-1.5)));
    for (const double df : {0.3, 1.0, 2.0, 7.0, 100.0, 5000.0}) {
        for (const double p : {1e-8, 0.01, 0.5, 0.9, 0.999999}) {
            CHECK(chi_square_cdf(chi_square_quantile(p, df), df) == Approx(p).epsilon(1e-10));
        }
    }
    CHECK(std::isnan(chi_square_quantile(0.5, -1.0)));
}
