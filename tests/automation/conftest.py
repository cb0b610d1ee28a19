import pytest

from tests.chat.conftest import shop, simulator  # noqa: F401  (the simulator on loopback)


@pytest.fixture(scope="session")
def classifier_model_dir(tmp_path_factory):
    """One model directory for the test session: the repo's .data stays untouched, and the model
    is trained once (in-process, on first use) rather than in every test."""
    return tmp_path_factory.mktemp("classifier")


@pytest.fixture(autouse=True)
def _classifier_model_dir(settings, classifier_model_dir):
    settings.AUTOMATION_MODEL_DIR = classifier_model_dir
