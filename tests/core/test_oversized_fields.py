"""A field far over its limit is refused with its length, and the page does not echo it back."""

from __future__ import annotations


def test_a_name_of_200000_characters_is_refused_without_being_sent_back(app, client) -> None:  # type: ignore[no-untyped-def]
    huge = "A" * 200_000
    response = client.post(
        "/register",
        data={"email": "new@example.org", "full_name": huge, "password": "x", "confirm": "x"},
    )
    page = response.get_data(as_text=True)
    assert "This was 200,000 characters long; at most" in page
    assert huge[:5000] not in page and len(page) < 100_000


def test_any_form_cuts_a_huge_value_and_keeps_a_small_overrun_for_trimming(app) -> None:  # type: ignore[no-untyped-def]
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict
    from wtforms import StringField
    from wtforms.validators import Length

    class NoteForm(FlaskForm):  # any module's form gets the guard
        note = StringField("Note", validators=[Length(max=10)])

    with app.test_request_context():
        small = NoteForm(formdata=MultiDict({"note": "B" * 15}), meta={"csrf": False})
        assert not small.validate() and small.note.data == "B" * 15
        assert not any("characters long" in e for e in small.note.errors)
        huge = NoteForm(formdata=MultiDict({"note": "C" * 5000}), meta={"csrf": False})
        assert not huge.validate() and huge.note.data == "C" * 10
        assert huge.note.errors[0].startswith("This was 5,000 characters long; at most 10")
