"""Start-up objects are kept out of the garbage collector's full collections."""

import gc

from shopee_cs.celery import freeze_startup_objects_before_fork
from shopee_cs.process import freeze_startup_objects


def test_start_up_objects_are_frozen_and_later_ones_still_collected():
    gc.unfreeze()
    try:
        freeze_startup_objects()
        frozen = gc.get_freeze_count()
        later = [[n] for n in range(3)]  # tracked containers, allocated after the freeze
        assert frozen > 10_000  # Django, DRF, Channels, Celery and this project
        # The collector's generations hold what came later, never what was frozen.
        collectable = gc.get_objects()
        assert all(any(item is obj for obj in collectable) for item in later)
        assert not any(obj is freeze_startup_objects for obj in collectable)
        gc.collect()  # a full collection leaves the frozen objects where they are
        assert gc.get_freeze_count() > 0.9 * frozen  # (refcounting may still free a few)
    finally:
        gc.unfreeze()


def test_the_worker_freezes_its_start_up_objects_before_forking_children():
    gc.unfreeze()
    try:
        freeze_startup_objects_before_fork()
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
