"""Qt user interface: the live coaching window and the worker thread that feeds it.

Everything Qt lives under this package; the stages it drives (sources, pipeline, overlay) stay
usable without a window. Call ``coach.render.qt_env.prepare_qt_environment()`` before creating the
QApplication (see that module for why).
"""
