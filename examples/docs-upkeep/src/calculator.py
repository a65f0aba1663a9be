"""A small module whose documentation examples/docs-upkeep keeps up to date."""


def add(a: float, b: float) -> float:
    """Return the sum of a and b."""
    return a + b


def divide(a: float, b: float) -> float:
    """Return a divided by b; raises ZeroDivisionError when b is 0."""
    return a / b
