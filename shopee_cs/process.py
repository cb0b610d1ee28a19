"""Start-up tuning shared by the web servers and the workers."""

import gc


def freeze_startup_objects() -> None:
    """Take what start-up built (modules, classes, settings, URL patterns, templates) out of the
    garbage collector's reach. Otherwise each full collection walks all of it while every
    thread of the process waits: 100-120 ms pauses in daphne under BM1's load, 10-15 ms after
    (docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()
