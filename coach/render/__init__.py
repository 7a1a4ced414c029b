"""Drawing for people: the coaching overlay (Qt) shared by the live window and the annotated video.

Import the submodules directly (``coach.render.overlay``, ``coach.render.video``); this package
itself imports nothing so that the Qt-free ``coach.render.palette`` can be used by the report.
"""
