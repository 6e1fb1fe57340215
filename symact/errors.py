"""symact's own exception types."""


class SymactError(Exception):
    """Base class of symact's errors."""


class ArgumentError(SymactError, ValueError):
    """A value a caller passed that symact cannot use; the message names the argument."""


class UserError(SymactError, ValueError):
    """Bad input from a user: printed as one line, exit status 2, no file changed."""


class VerificationError(SymactError):
    """A result failed its check (a proof step, an identity, a kernel's accuracy)."""
