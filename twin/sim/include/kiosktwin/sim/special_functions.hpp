// Special functions for the statistics of the kernel: normal, Student t and
// chi-square distribution functions and their inverses.
//
// Domain errors (a probability outside [0, 1], a non-positive shape or
// degrees of freedom, NaN) return NaN, as <cmath> does; they never throw.
// Accuracy: about 1e-14 relative for the CDFs and 1e-12 or better for the
// quantiles at moderate parameters (shape / degrees of freedom up to ~1e6);
// the continued fractions lose accuracy slowly as the parameters grow.
#pragma once

namespace kiosktwin::sim {

/// ln Γ(x) for x > 0, NaN otherwise (Stirling series after an upward shift;
/// absolute error about 1e-15 near x = 1 and 2, relative error about 1e-15
/// elsewhere). Unlike std::lgamma it writes no global (signgam), so threads
/// may call it freely, and it does not depend on the C library's lgamma.
double log_gamma(double x) noexcept;

/// Standard normal CDF Φ(x).
double normal_cdf(double x) noexcept;

/// Standard normal quantile Φ⁻¹(p) by Wichura's AS241 (PPND16), relative
/// accuracy about 1e-16. p = 0 gives -inf and p = 1 gives +inf.
double normal_quantile(double p) noexcept;

/// Regularized lower incomplete gamma P(a, x) = γ(a, x) / Γ(a), a > 0, x >= 0.
double regularized_gamma_p(double a, double x) noexcept;

/// Regularized upper incomplete gamma Q(a, x) = 1 - P(a, x), accurate in the tail.
double regularized_gamma_q(double a, double x) noexcept;

/// Regularized incomplete beta I_x(a, b), 0 <= x <= 1, a > 0, b > 0
/// (continued fraction, modified Lentz).
double regularized_beta(double x, double a, double b) noexcept;

/// CDF of Student's t distribution with `df` > 0 degrees of freedom (df need
/// not be an integer).
double student_t_cdf(double t, double df) noexcept;

/// Quantile of Student's t with `df` > 0 degrees of freedom (closed forms for
/// df = 1 and 2, otherwise safeguarded Newton on the log tail).
double student_t_quantile(double p, double df) noexcept;

/// CDF of the chi-square distribution with `df` > 0 degrees of freedom.
double chi_square_cdf(double x, double df) noexcept;

/// Quantile of the chi-square distribution with `df` > 0 degrees of freedom.
double chi_square_quantile(double p, double df) noexcept;

}  // namespace kiosktwin::sim
