"""The neuron and its losses: the gradient identities people rely on, proved.

A sigmoid neuron z = w.x + b (n inputs, n symbolic), a = sigma(z), with binary cross-entropy
L = -(y log a + (1 - y) log(1 - a)); softmax with categorical cross-entropy; the identity link with
the halved squared error.  Each identity's left-hand side is derived by SymPy from the catalogue's
expressions; the right-hand side is the form people quote; the two are proved equal.
"""

from __future__ import annotations

import sympy as sp

from symact.catalogue import Activation, VectorFunction, X, get, vector_symbols
from symact.derive.identities import Identity, prove_identity

__all__ = ["neuron_identities"]

_Z = sp.Symbol("z", real=True)
_A = sp.Symbol("a", real=True)
_Y = sp.Symbol("y", real=True)
_B = sp.Symbol("b", real=True)
_N = sp.Symbol("n", integer=True, positive=True)
_M = sp.Symbol("m", integer=True, positive=True)
_I, _J, _K = sp.symbols("i j k", integer=True, positive=True)
_W = sp.IndexedBase("w", real=True)
_XS = sp.IndexedBase("x", real=True)


def _activation(name: str) -> sp.Expr:
    record = get(name)
    assert isinstance(record, Activation)
    return record.expr.subs(X, _Z)


def _bce(a: sp.Expr, y: sp.Expr) -> sp.Expr:
    return -(y * sp.log(a) + (1 - y) * sp.log(1 - a))


def _collapse_kronecker(expr: sp.Expr) -> sp.Expr:
    """sum_j delta_ij x_j = x_i for 1 <= i <= n: the derivative of w.x with respect to w_i."""
    return expr.replace(
        lambda e: isinstance(e, sp.Sum) and e.function.has(sp.KroneckerDelta),
        lambda e: e.function.subs(e.limits[0][0], _I).subs(sp.KroneckerDelta(_I, _I), 1),
    )


def _concrete(expr: sp.Expr, n: int) -> tuple[sp.Expr, list[sp.Symbol]]:
    """`expr` with n = `n`, i = 2 and the indexed w_j, x_j replaced by plain symbols (for spot checks)."""
    e = expr.subs({_N: n, _I: 2}).doit()
    plain = {}
    for j in range(1, n + 1):
        plain[_W[j]] = sp.Symbol(f"w_{j}", real=True)
        plain[_XS[j]] = sp.Symbol(f"x_{j}", real=True)
    return e.subs(plain), sorted(e.subs(plain).free_symbols, key=str)


def _prove_indexed(
    name: str, lhs: sp.Expr, target: sp.Expr, where: dict[sp.Symbol, sp.Expr], description: str
) -> Identity:
    """Prove with n symbolic (the Sum is an atom), then spot-check with n = 3 at 50 digits."""
    identity = prove_identity(
        name,
        lhs,
        target,
        [],
        points=0,
        where=where,
        description=description,
        assumptions="1 <= i <= n; n symbolic",
    )
    left, syms = _concrete(lhs, 3)
    right, _ = _concrete(target.subs(where), 3)
    checked = prove_identity(name, left, right, syms, ranges={_Y: (0.0, 1.0)}).checked_points
    return Identity(
        name=name,
        lhs=lhs,
        rhs=target,
        where=where,
        method=identity.method.replace("at 0 random points", f"at {checked} random points (n = 3)"),
        checked_points=checked,
        description=description,
        assumptions=identity.assumptions,
    )


def neuron_identities() -> list[Identity]:
    """The sigmoid/BCE neuron, softmax/CE and identity/MSE identities, each proved."""
    sigma = _activation("sigmoid")
    ys = {_Y: (0.0, 1.0)}
    out = [
        prove_identity(
            "bce_dL_da",
            sp.diff(_bce(_A, _Y), _A),
            -_Y / _A + (1 - _Y) / (1 - _A),
            [_A, _Y],
            ranges={_A: (0.01, 0.99), **ys},
            description="binary cross-entropy: dL/da",
        ),
        prove_identity(
            "sigmoid_neuron_da_dz",
            sp.diff(sigma, _Z),
            _A * (1 - _A),
            [_Z],
            where={_A: sigma},
            description="sigmoid neuron: da/dz = a(1 - a), a = sigma(z)",
        ),
        prove_identity(
            "sigmoid_bce_dL_dz",
            sp.diff(_bce(sigma, _Y), _Z),
            _A - _Y,
            [_Z, _Y],
            where={_A: sigma},
            ranges=ys,
            description="sigmoid neuron with binary cross-entropy: dL/dz = a - y",
        ),
    ]
    z = sp.Sum(_W[_J] * _XS[_J], (_J, 1, _N)) + _B
    a = sigma.subs(_Z, z)
    loss = _bce(a, _Y)
    out.append(
        _prove_indexed(
            "sigmoid_bce_dL_dw_i",
            _collapse_kronecker(sp.diff(loss, _W[_I])),
            (_A - _Y) * _XS[_I],
            {_A: a},
            "sigmoid neuron z = w.x + b with binary cross-entropy: dL/dw_i = (a - y) x_i",
        )
    )
    out.append(
        _prove_indexed(
            "sigmoid_bce_dL_db",
            sp.diff(loss, _B),
            _A - _Y,
            {_A: a},
            "sigmoid neuron z = w.x + b with binary cross-entropy: dL/db = a - y",
        )
    )
    out.extend(_cost_identities(sigma))
    out.extend(_softmax_ce_identities())
    identity = _activation("identity")
    out.append(
        prove_identity(
            "identity_mse_half_dL_dz",
            sp.diff((identity - _Y) ** 2 / 2, _Z),
            _A - _Y,
            [_Z, _Y],
            where={_A: identity},
            description="identity output with L = (a - y)^2 / 2: dL/dz = a - y",
        )
    )
    return out


def _cost_identities(sigma: sp.Expr) -> list[Identity]:
    """J = (1/m) sum_k L_k over m samples (one input per sample shown as x_k; n inputs likewise)."""
    w, b = sp.Symbol("w", real=True), _B
    xk, yk = sp.IndexedBase("x", real=True), sp.IndexedBase("y", real=True)
    a_k = sigma.subs(_Z, w * xk[_K] + b)
    cost = sp.Sum(_bce(a_k, yk[_K]), (_K, 1, _M)) / _M
    result = []
    for name, var, factor in (("cost_dJ_dw", w, xk[_K]), ("cost_dJ_db", b, sp.S.One)):
        lhs = sp.diff(cost, var)
        rhs = sp.Sum((a_k - yk[_K]) * factor, (_K, 1, _M)) / _M
        base = prove_identity(
            name,
            lhs * _M,
            rhs * _M,
            [],
            points=0,
            description=f"mean cost J = (1/m) sum_k L_k: dJ/d{var} = (1/m) sum_k (a_k - y_k)"
            + (" x_k" if factor != 1 else ""),
            assumptions="m samples, m symbolic",
        )
        concrete_l = lhs.subs(_M, 3).doit()
        concrete_r = rhs.subs(_M, 3).doit()
        plain = {xk[k]: sp.Symbol(f"x_{k}", real=True) for k in range(1, 4)}
        plain.update({yk[k]: sp.Symbol(f"y_{k}", real=True) for k in range(1, 4)})
        concrete_l, concrete_r = concrete_l.subs(plain), concrete_r.subs(plain)
        syms = sorted(concrete_l.free_symbols | concrete_r.free_symbols, key=str)
        checked = prove_identity(name, concrete_l, concrete_r, syms, points=20).checked_points
        result.append(
            Identity(
                name=name,
                lhs=lhs,
                rhs=rhs,
                method=base.method.replace("at 0 random points", f"at {checked} random points (m = 3)"),
                checked_points=checked,
                description=base.description,
                assumptions=base.assumptions,
            )
        )
    return result


def _softmax_ce_identities() -> list[Identity]:
    """dL/dz_k = p_k - y_k for L = -sum_k y_k log softmax(z)_k whenever sum_k y_k = 1 (n = 2, 3, 4)."""
    result = []
    softmax = get("softmax")
    assert isinstance(softmax, VectorFunction)
    for n in (2, 3, 4):
        zs, ys = vector_symbols("z", n), vector_symbols("y", n)
        p = softmax.build(zs)
        loss = -sp.Add(*[y * sp.log(pk) for y, pk in zip(ys, p, strict=True)])
        normalised = {ys[-1]: 1 - sp.Add(*ys[:-1])}
        for k in range(n):
            p_k = sp.Symbol(f"p_{k + 1}", real=True)
            result.append(
                prove_identity(
                    f"softmax_ce_dL_dz_{k + 1}_n{n}",
                    sp.diff(loss, zs[k]),
                    p_k - ys[k],
                    [*zs, *ys[:-1]],
                    substitutions=normalised,
                    where={p_k: p[k]},
                    points=20 if k == 0 else 5,
                    description=f"softmax with cross-entropy, n = {n}: dL/dz_{k + 1} = p_{k + 1} - y_{k + 1}",
                    assumptions="sum_k y_k = 1",
                )
            )
    return result
