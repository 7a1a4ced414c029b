"""How the stroke engine is judged: labelled sessions in several families, matching, figures.

Modules: ``matching`` (EvalSession, match_strokes, Evaluation, run_engine), ``minjerk`` (family b,
a second motion model written apart from coach.synthetic), ``families`` (the one place naming the
tuning and evaluation data). The real-pixel families live in ``composites`` and ``negatives``.
Nothing here is imported by the application; the benchmark and tests use it.
"""
