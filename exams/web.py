"""The exams blueprint: every exams page registers its routes on it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exams", __name__, template_folder="templates")
