"""What makes a settings PIN acceptable: at least 6 digits (or characters), nothing a
passer-by would try first.

Refused: fewer than 6 characters; spaces anywhere; one character repeated (``000000``,
``aaaaaa``); a run up or down (``123456``, ``987654``, ``345678``, also wrapping
``890123``); a short pattern repeated (``121212``, ``123123``, ``112233``); the usual
keyboard PINs (``qwerty``, ``password``, ``147258``...).
"""

from __future__ import annotations

import itertools

MIN_LENGTH = 6

_COMMON = frozenset(
    {
        "password",
        "passw0rd",
        "qwerty",
        "qwertz",
        "azerty",
        "abc123",
        "letmein",
        "treadwatch",
        "changeme",
        "147258",
        "147258369",
        "159753",
        "258456",
        "741852",
        "963852",
        "102030",
        "112233",
        "123321",
        "654456",
        "696969",
        "101010",
        "142536",
    }
)


def _is_run(text: str) -> bool:
    """Each character one more (or one less) than the previous, digits wrapping 9→0."""
    if not text.isdigit():
        codes = [ord(c) for c in text.lower()]
        steps = {b - a for a, b in itertools.pairwise(codes)}
        return steps in ({1}, {-1})
    digits = [int(c) for c in text]
    steps = {(b - a) % 10 for a, b in itertools.pairwise(digits)}
    return steps in ({1}, {9})


def _is_repeated_pattern(text: str) -> bool:
    n = len(text)
    for size in range(1, n // 2 + 1):
        if n % size == 0 and text[:size] * (n // size) == text:
            return True
    # Pairs of one character each: 112233, 445566.
    return n % 2 == 0 and all(text[i] == text[i + 1] for i in range(0, n, 2)) and _is_run(text[::2])


def pin_problem(pin: str) -> str | None:
    """Why ``pin`` is refused, as one line saying what to do; ``None`` when it is fine."""
    hint = "choose at least 6 digits that are not a pattern, e.g. from a dice roll"
    if any(c.isspace() for c in pin):
        return f"the PIN must not contain spaces: {hint}"
    if len(pin) < MIN_LENGTH:
        return f"the PIN is too short ({len(pin)} characters): {hint}"
    low = pin.lower()
    if _is_repeated_pattern(low):
        return f"the PIN is one digit or a short pattern repeated: {hint}"
    if _is_run(low):
        return f"the PIN is a sequence anyone would try: {hint}"
    if low in _COMMON:
        return f"the PIN is one of the first anyone would try: {hint}"
    return None
