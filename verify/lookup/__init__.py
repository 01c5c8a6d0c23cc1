"""Public lookup: the search page, the JSON API with its OpenAPI document, the letter PDF."""
