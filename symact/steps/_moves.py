"""A small library of named algebra moves (identities) that take a derivative toward a target form.

Each move computes the next expression from the current one (nothing is typed in by hand) and
raises :class:`MoveError` when it does not apply; the caller checks every result like any other
step.  Held sub-expressions (``UnevaluatedExpr``) keep a shape SymPy would otherwise undo, such as a
split fraction; :func:`unhold` removes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from symact.errors import VerificationError

__all__ = ["MOVES", "Move", "MoveError", "unhold"]

H = sp.UnevaluatedExpr


class MoveError(VerificationError):
    """A named move does not apply to the expression it was given."""


def unhold(expr: sp.Expr) -> sp.Expr:
    """`expr` without any held (UnevaluatedExpr) parts."""
    return expr.replace(lambda e: isinstance(e, H), lambda e: e.args[0])


def _split(expr: sp.Expr) -> tuple[list[sp.Expr], list[tuple[sp.Expr, sp.Expr]]]:
    """Numerator factors, and denominator (base, positive exponent) pairs of a product."""
    num, den = [], []
    for f in sp.Mul.make_args(expr):
        if f.is_Pow and f.exp.is_negative and not f.base.is_number:
            den.append((f.base, -f.exp))
        else:
            num.append(f)
    return num, den


@dataclass(frozen=True)
class Move:
    """A named identity: `apply(expr, arg)` returns the rewritten expression."""

    name: str
    apply: Callable[[sp.Expr, sp.Expr | None], sp.Expr]

    def __call__(self, expr: sp.Expr, arg: sp.Expr | None = None) -> sp.Expr:
        return self.apply(expr, arg)


def _as_power(expr: sp.Expr, arg: sp.Expr | None) -> sp.Expr:
    num, den = _split(expr)
    if not den:
        raise MoveError(f"rewrite as a power: {sp.sstr(expr)} has no denominator")
    return sp.Mul(*num, *[sp.Pow(H(b), -k) for b, k in den])


def _split_fraction(expr: sp.Expr, arg: sp.Expr | None) -> sp.Expr:
    expr = unhold(expr)
    num, den = _split(expr)
    numerator, denominator = sp.Mul(*num), sp.Mul(*[b**k for b, k in den])
    if isinstance(numerator, sp.Add):
        return sp.Add(*[_held_term(t / denominator) for t in numerator.args])
    repeated = [(b, k) for b, k in den if k.is_Integer and k >= 2]
    if not repeated:
        raise MoveError(f"split the fraction: no repeated factor in the denominator of {sp.sstr(expr)}")
    b, k = repeated[0]
    rest = sp.Mul(*[bb**kk for bb, kk in den if bb != b])
    return H(numerator / (b * rest)) * H(1 / b ** (k - 1))


def _held_term(term: sp.Expr) -> sp.Expr:
    """A term of a split fraction, held unless it is a plain number; its sign stays outside."""
    coeff, rest = term.as_coeff_Mul()
    if rest == 1 or not _split(rest)[1]:
        return term
    return coeff * H(rest)


def _add_subtract(expr: sp.Expr, arg: sp.Expr | None) -> sp.Expr:
    """n/q with q - n constant c: write n as (q - c)."""
    changed = False

    def rewrite(h: sp.Expr) -> sp.Expr:
        nonlocal changed
        num, den = _split(h.args[0])
        if len(den) != 1 or den[0][1] != 1:
            return h
        n, q = sp.Mul(*num), den[0][0]
        c = sp.expand(q - n)
        if changed or c == 0 or not c.is_number:
            return h
        changed = True
        return H((H(q) - c) / q)

    if not expr.has(H):
        expr = H(expr)
    out = expr.replace(lambda e: isinstance(e, H), rewrite)
    if not changed:
        raise MoveError(f"add and subtract: no fraction n/q with q - n constant in {sp.sstr(expr)}")
    return out


def _split_numerator(expr: sp.Expr, arg: sp.Expr | None) -> sp.Expr:
    """(q - c)/q = 1 - c/q for the held fraction made by add-and-subtract."""

    def is_target(e: sp.Basic) -> bool:
        return isinstance(e, H) and any(
            isinstance(a, H) for a in sp.preorder_traversal(e.args[0]) if a is not e
        )

    targets = [e for e in sp.preorder_traversal(expr) if is_target(e)]
    if not targets:
        raise MoveError(f"split the fraction: nothing to split in {sp.sstr(expr)}")

    def rewrite(h: sp.Expr) -> sp.Expr:
        num, den = _split(h.args[0])
        q = den[0][0]
        return sp.Add(*[unhold(t) / q for t in sp.Add.make_args(sp.Mul(*num))])

    return expr.xreplace({t: rewrite(t) for t in targets})


def _power_of_quotient(expr: sp.Expr, arg: sp.Expr | None) -> sp.Expr:
    """b^k / c^k = (b / c)^k inside held fractions."""

    def rewrite(h: sp.Expr) -> sp.Expr:
        num, den = _split(h.args[0])
        if len(num) == 1 and len(den) == 1 and num[0].is_Pow and num[0].exp == den[0][1]:
            return sp.Pow(H(num[0].base / den[0][0]), den[0][1])
        return h

    out = expr.replace(lambda e: isinstance(e, H), rewrite)
    if out == expr:
        raise MoveError(f"power of a quotient: no b^k/c^k in {sp.sstr(expr)}")
    return out


def _recognise(expr: sp.Expr, arg: sp.Expr | None) -> sp.Expr:
    """Replace the definition of a named function by its name; `arg` is ``Eq(name(x), definition)``.

    The definition is found as a sub-expression (in every held factor, which stay held), or else as a
    factor: `expr` = q * definition with q free of the definition's functions gives q * name.
    """
    if not isinstance(arg, sp.Eq):
        raise MoveError("recognise: needs Eq(name, definition)")
    factors = sp.Mul.make_args(expr)
    if len(factors) > 1 and all(isinstance(f, H) or f.is_number for f in factors):
        out = sp.Mul(*[H(unhold(f).subs(arg.rhs, arg.lhs)) if isinstance(f, H) else f for f in factors])
        if unhold(out) != unhold(expr):
            return out
    plain = unhold(expr)
    out = plain.subs(arg.rhs, arg.lhs)
    if out != plain:
        return out
    ratio = sp.cancel(plain / arg.rhs)
    marks = {type(f) for f in arg.rhs.atoms(sp.Function)} | ({sp.exp} if arg.rhs.has(sp.exp) else set())
    if not any(ratio.has(m) for m in marks) and ratio != plain:
        return ratio * arg.lhs
    raise MoveError(f"recognise: {sp.sstr(arg.rhs)} does not occur in {sp.sstr(plain)}")


def _identity(expr: sp.Expr, arg: sp.Expr | None) -> sp.Expr:
    """Apply a named identity ``Eq(pattern, replacement)``: every occurrence of the pattern replaced."""
    if not isinstance(arg, sp.Eq):
        raise MoveError("identity: needs Eq(pattern, replacement)")
    plain = unhold(expr)
    out = plain.subs(arg.lhs, arg.rhs)
    if out == plain:
        raise MoveError(f"identity: {sp.sstr(arg.lhs)} does not occur in {sp.sstr(plain)}")
    return out


def _divide_through(expr: sp.Expr, arg: sp.Expr | None) -> sp.Expr:
    """n/q = (n/g)/(q/g): numerator and denominator divided by `arg`, each expanded."""
    if arg is None:
        raise MoveError("divide through: needs the divisor")
    plain = unhold(expr)
    n, q = sp.fraction(sp.together(plain))
    if q == 1:
        raise MoveError(f"divide through: {sp.sstr(plain)} is not a fraction")
    return sp.expand(n / arg) / sp.expand(q / arg)


def _factor_out(expr: sp.Expr, arg: sp.Expr | None) -> sp.Expr:
    """t_1 + t_2 + ... = g (t_1/g + t_2/g + ...), each quotient cancelled factor by factor."""
    if arg is None:
        raise MoveError("factor out: needs the common factor")
    plain = unhold(expr)
    terms = sp.Add.make_args(plain)
    rest = sp.Add(*[t / arg for t in terms])
    if any(sp.fraction(t / arg)[1].has(arg) for t in terms):
        raise MoveError(f"factor out: {sp.sstr(arg)} is not a factor of every term of {sp.sstr(plain)}")
    return H(arg) * H(rest)


def _definition(expr: sp.Expr, arg: sp.Expr | None) -> sp.Expr:
    """Replace a function by its definition; `arg` is ``Eq(F(t), definition in t)`` with t a Dummy."""
    if not isinstance(arg, sp.Eq) or not arg.lhs.args:
        raise MoveError("definition: needs Eq(F(t), body)")
    (t,) = arg.lhs.args
    out = expr.replace(arg.lhs.func, sp.Lambda(t, arg.rhs))
    if out == expr:
        raise MoveError(f"definition: {arg.lhs.func} does not occur in {sp.sstr(expr)}")
    return out


def _distribute(expr: sp.Expr, arg: sp.Expr | None) -> sp.Expr:
    """(t_1 + t_2 + ...) g = t_1 g + t_2 g + ..., each product with its common factors cancelled."""
    held = [f for f in sp.Mul.make_args(expr) if isinstance(f, H)]
    sums = [f for f in held if isinstance(f.args[0], sp.Add)]
    if not sums:
        raise MoveError(f"distribute: no held sum in {sp.sstr(expr)}")
    rest = unhold(sp.Mul(*[f for f in sp.Mul.make_args(expr) if f is not sums[0]]))
    terms = sp.Add.make_args(unhold(sums[0].args[0]))
    return sp.Add(*[one_minus(sp.factor(sp.cancel(t * rest))) for t in terms])


def one_minus(term: sp.Expr) -> sp.Expr:
    """A product with each factor (v - c), c a positive number, written (c - v) (the sign moved to the
    coefficient); the factors are held so that they print as written."""
    coeff, rest = term.as_coeff_Mul()
    factors = []
    flipped = False
    for f in sp.Mul.make_args(rest):
        base, exp = f.as_base_exp()
        const = base.as_coeff_Add()[0] if isinstance(base, sp.Add) else sp.S.Zero
        if isinstance(base, sp.Add) and const.is_number and const < 0 and exp.is_integer:
            base, flipped = -base, True
            coeff *= (-1) ** exp
        factors.append(H(base**exp) if isinstance(base, sp.Add) else base**exp)
    if not flipped:
        return term
    return coeff * sp.Mul(*factors)


def _sign_into_numerator(expr: sp.Expr, arg: sp.Expr | None) -> sp.Expr:
    """-(v - c)/q = (c - v)/q: each term's minus sign moved into a factor (v - c)."""
    plain = unhold(expr)
    terms = [one_minus(t) for t in sp.Add.make_args(plain)]
    if all(t == u for t, u in zip(terms, sp.Add.make_args(plain), strict=True)):
        raise MoveError(f"sign into the numerator: no factor v - c in {sp.sstr(plain)}")
    return sp.Add(*[_hold_fraction(t) for t in terms])


def _hold_fraction(term: sp.Expr) -> sp.Expr:
    """A term c * (held factors) / q as the held fraction, its sign outside."""
    if not term.has(H):
        return term
    coeff, rest = term.as_coeff_Mul()
    return coeff * H(unhold(rest)) if coeff != 1 else H(unhold(rest))


def _normal(name: str, fn: Callable[[sp.Expr], sp.Expr]) -> Move:
    return Move(name, lambda e, arg: fn(unhold(e)))


MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        Move("rewrite as a power", _as_power),
        Move("split the fraction", _split_fraction),
        Move("add and subtract", _add_subtract),
        Move("split the numerator", _split_numerator),
        Move("power of a quotient", _power_of_quotient),
        Move("recognise", _recognise),
        Move("identity", _identity),
        Move("divide through", _divide_through),
        Move("factor out", _factor_out),
        Move("sign into the numerator", _sign_into_numerator),
        Move("definition", _definition),
        Move("distribute", _distribute),
        _normal("expand", sp.expand),
        _normal("factor", sp.factor),
        _normal("cancel common factors", lambda e: sp.cancel(sp.together(e))),
        _normal("collect over a common denominator", sp.together),
        _normal("simplify", sp.simplify),
    )
}
"""The named moves, by name."""
