"""Common passwords are refused (issue 11, Low): the list people try first, and their usual
dressings (a base word or a keyboard run with digits or symbols added). Pure."""

from __future__ import annotations

import re

# base words and runs that guessers try first (lists of leaked passwords put these on top)
COMMON_BASES = {
    "password", "passw0rd", "p@ssword", "p@ssw0rd", "qwerty", "qwertz", "azerty", "letmein",
    "welcome", "iloveyou", "admin", "administrator", "monkey", "dragon", "football",
    "baseball", "sunshine", "princess", "trustno1", "master", "shadow", "superman", "batman",
    "starwars", "whatever", "freedom", "login", "changeme", "secret", "abc", "abcd", "test",
    "recovery", "peersupport", "peercert", "certification", "nebraska", "hello", "loveme",
    "charlie", "michael", "jessica", "jordan", "hunter", "ranger", "soccer", "killer",
    "computer", "internet", "summer", "winter", "spring", "autumn", "january", "december",
}  # fmt: skip
RUNS = (
    "012345678901234567890", "987654321098765432109", "0987654321",
    "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm",
    "1qaz2wsx3edc", "qazwsxedc", "1q2w3e4r5t6y",
)  # fmt: skip


def is_common(password: str) -> bool:
    """Whether a password is one that guessers try early."""
    text = password.casefold().strip()
    if len(set(text)) <= 2:  # aaaaaaaaaa, ababababab
        return True
    if any(text in run or run.startswith(text) for run in RUNS):
        return True
    # the word inside, without the digits and symbols added before or after it
    core = re.sub(r"[^a-z@]+$", "", re.sub(r"^[^a-z@]+", "", text))
    if core in COMMON_BASES or (core and any(core == b * 2 for b in COMMON_BASES)):
        return True
    if len(core) >= 6 and any(core in run for run in RUNS):  # qwertyuiop1, !abcdefgh2
        return True
    if re.fullmatch(r"[0-9!@#$%^&*.\-_ ]+", text):  # digits and symbols alone
        digits = re.sub(r"\D", "", text)
        return len(set(digits)) <= 3 or any(digits in run for run in RUNS)
    return False
