import pytest

from tests.kpi.timelines import make_world


@pytest.fixture
def world(db) -> dict:
    return make_world()
