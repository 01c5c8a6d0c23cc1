"""Analysis of the validation survey: the engine, runs and overrides, approval, exports, charts."""
