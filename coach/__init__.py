"""coach: real-time coaching of facial self-massage from a webcam."""

from coach.blas_threads import limit_blas_threads

# Before anything imports numpy: idle BLAS threads would spin on the cores MediaPipe needs.
limit_blas_threads()

__version__ = "0.1.0"
