"""Board configuration: credential types, requirement sets and endorsements."""
