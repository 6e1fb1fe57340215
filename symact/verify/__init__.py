r"""Verification: symbolic derivatives, float kernels and users' own code, each with a per-point tolerance.

Three layers, after the measured design in the project's verification reference:

1. **symbolic** (:func:`check_symbolic`): the SymPy derivative in mpmath at adaptive precision against
   an adaptive-precision central difference of $f$; at kinks, both one-sided derivatives, the declared
   convention's value or the subgradient.
2. **fidelity** (:func:`check_fidelity`): a float kernel against the correctly rounded reference, with
   a budget from the truth alone, $(N + 4\kappa)$ ULP ($\kappa$ the condition number at the point);
   a FAIL is "wrong" or "imprecise".
3. **consistency** (:func:`check_consistency`): a float forward against its gradient by central
   differences with a step from $f'''$ and the rounding bound; points where no step works are
   "unverifiable", never failures.

For users' code: :func:`check` returns a :class:`Report`; :func:`assert_matches` raises
AssertionError with the simplest counterexample (for pytest); ``symact check`` is the command line.
"""

from symact.verify._bound import COSTS, ErrorBound, error_bound
from symact.verify._catalogue import verify_record
from symact.verify._check import assert_matches, assert_point, check, target_for
from symact.verify._consistency import check_consistency
from symact.verify._fidelity import FidelityResult, check_fidelity
from symact.verify._points import sample_points
from symact.verify._report import FAIL, UNVERIFIABLE, WARN, Finding, Report
from symact.verify._symbolic import check_symbolic, numeric_derivative, one_sided
from symact.verify._target import CHECK_CONVENTIONS, KinkPoint, Target, make_target

__all__ = [
    "CHECK_CONVENTIONS",
    "COSTS",
    "FAIL",
    "UNVERIFIABLE",
    "WARN",
    "ErrorBound",
    "FidelityResult",
    "Finding",
    "KinkPoint",
    "Report",
    "Target",
    "assert_matches",
    "assert_point",
    "check",
    "check_consistency",
    "check_fidelity",
    "check_symbolic",
    "error_bound",
    "make_target",
    "numeric_derivative",
    "one_sided",
    "sample_points",
    "target_for",
    "verify_record",
]
