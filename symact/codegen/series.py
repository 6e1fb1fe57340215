r"""Truncated series with a proved bound: the one kind of kernel form that is not an identity.

Where every closed form cancels (``x - tanh(x)`` near 0 loses ~3/x² ULP), the generator may offer a
further candidate in which the cancelling expression is replaced, on ``|u| <= T``, by a series whose
terms are all positive:

$$f(u) = \frac{N(u)}{D(u)}, \qquad N(u) = \sum_{k \ge 1} a_k u^{2k+1}, \quad a_k > 0,$$

truncated after $K$ terms.  :meth:`TruncatedSeries.prove` checks, symbolically and in exact rational
arithmetic:

1. the series sums to the closed form: ``Sum(a_k u^(2k+1), (k, 1, oo))`` evaluates to $N$, and
   $N/D - f$ simplifies to 0;
2. the ratio of consecutive terms $a_{k+1}u^2/a_k$ is, for $k > K$ and $|u| \le T$, at most
   $\rho < 1$ (it is checked to decrease in $k$), so the tail is at most $a_{K+1}|u|^{2K+3}/(1-\rho)$;
3. relative to $N(u) \ge a_1 |u|^3$, the truncation error is at most
   $a_{K+1} T^{2K}/(a_1 (1-\rho)) \le 2^{-60}$ on the whole range (an exact rational inequality).

The rounding of the evaluated series is not part of the proof: like every kernel, the candidate is
measured against correctly rounded references and kept only if it meets its target.  Outside
``|u| <= T`` the exact expression is used unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symact.errors import VerificationError

__all__ = ["SERIES", "TruncatedSeries", "apply_series"]

_u = sp.Symbol("u", real=True)
_k = sp.Symbol("k", integer=True, positive=True)
_BOUND = sp.Rational(1, 2**60)


@dataclass(frozen=True)
class TruncatedSeries:
    """`exact(u)` = numerator/denominator, numerator = sum_{k>=1} coefficient(k) u^(2k+1)."""

    name: str
    exact: sp.Expr  # in _u
    numerator: sp.Expr
    denominator: sp.Expr
    coefficient: sp.Expr  # a_k, in _k
    threshold: sp.Rational
    terms: int
    note: str

    def truncated(self, u: sp.Expr) -> sp.Expr:
        """u^3 * (sum_{k=1..K} a_k u^(2k-2)) / D(u), the polynomial in u^2 in Horner form."""
        s = sp.Symbol("s", positive=True)
        poly = sp.Add(*[self.coefficient.subs(_k, k) * s ** (k - 1) for k in range(1, self.terms + 1)])
        horner = sp.horner(poly, wrt=s)
        return u**3 * horner.subs(s, u**2) / self.denominator.subs(_u, u)

    def form(self, u: sp.Symbol) -> sp.Expr:
        """The candidate: the exact expression outside [-T, T], the truncated series inside."""
        exact = self.exact.subs(_u, u)
        return sp.Piecewise(
            (exact, u > self.threshold), (self.truncated(u), u >= -self.threshold), (exact, True)
        )

    def prove(self) -> str:
        """Prove the bound (see the module docstring); return how, or raise VerificationError."""
        summed = sp.summation(self.coefficient * _u ** (2 * _k + 1), (_k, 1, sp.oo))
        if sp.simplify(summed - self.numerator) != 0:
            raise VerificationError(f"{self.name}: the series does not sum to {self.numerator}")
        if sp.simplify(self.numerator / self.denominator - self.exact) != 0:
            raise VerificationError(f"{self.name}: numerator/denominator is not {self.exact}")
        a = [self.coefficient.subs(_k, k) for k in range(1, self.terms + 3)]
        if not all(v.is_Rational and v > 0 for v in a):
            raise VerificationError(f"{self.name}: coefficients must be positive rationals")
        ratio = sp.simplify(self.coefficient.subs(_k, _k + 1) / self.coefficient)  # times u^2
        step = sp.simplify(ratio.subs(_k, _k + 1) - ratio)
        if not (step.subs(_k, _k + self.terms + 1)).is_nonpositive:
            raise VerificationError(f"{self.name}: the term ratio does not decrease in k")
        t2 = self.threshold**2
        rho = ratio.subs(_k, self.terms + 1) * t2
        if not rho < 1:
            raise VerificationError(f"{self.name}: term ratio {rho} >= 1 at the threshold")
        bound = a[self.terms] * t2**self.terms / (a[0] * (1 - rho))
        if not bound <= _BOUND:
            raise VerificationError(f"{self.name}: truncation bound {float(bound):.3g} > 2^-60")
        return (
            f"sum_k {self.coefficient} u^(2k+1) = {self.numerator} (SymPy summation); {self.terms} terms on "
            f"|u| <= {self.threshold}: term ratio <= {float(rho):.3g}, relative truncation error <= "
            f"{float(bound):.3g} <= 2^-60 (exact rational arithmetic)"
        )


SERIES: tuple[TruncatedSeries, ...] = (
    TruncatedSeries(
        "tanhshrink-series",
        exact=_u - sp.tanh(_u),
        numerator=_u * sp.cosh(_u) - sp.sinh(_u),
        denominator=sp.cosh(_u),
        coefficient=2 * _k / sp.factorial(2 * _k + 1),
        threshold=sp.Rational(3, 2),
        terms=11,
        note="u - tanh u = (u cosh u - sinh u)/cosh u, numerator sum 2k u^(2k+1)/(2k+1)! (no cancellation)",
    ),
)
"""Series candidates, each proved by :meth:`TruncatedSeries.prove`."""


def apply_series(expr: sp.Expr, var: sp.Symbol) -> list[tuple[sp.Expr, str]]:
    """For each series whose exact expression occurs in `expr` (in `var` itself), the candidate with
    it replaced by the series form, and the series' name."""
    out = []
    for series in SERIES:
        exact = series.exact.subs(_u, var)
        if expr.has(exact):
            out.append((expr.xreplace({exact: series.form(var)}), series.name))
    return out
