"""`classify` and `classifier_train`, and the model file they share."""

import io
import json
import shutil

import pytest
from django.core.management import CommandError, call_command

from automation.nlp import intents
from automation.nlp.corpus import TRAIN_PATH
from automation.services.classification import INTENTS


def _classify(text: str, *args: str) -> list[dict]:
    out = io.StringIO()
    call_command("classify", *args, stdin=io.StringIO(text), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_classify_prints_one_json_object_per_line_even_blank_ones(settings, tmp_path):
    settings.AUTOMATION_MODEL_DIR = tmp_path / "fresh"  # a fresh clone: no model file yet
    intents.model_forget()
    results = _classify("please cancel my order\n\nขอคืนเงินค่ะ\n", "--site", "th")
    assert results == [
        {"language": "en", "intent": "cancel", "confidence": results[0]["confidence"]},
        {"language": "", "intent": "other", "confidence": 0.0},
        {"language": "th", "intent": "return_refund", "confidence": results[2]["confidence"]},
    ]
    assert results[0]["confidence"] > 0.5
    assert list((tmp_path / "fresh").glob("intents-*.joblib"))  # trained on first use, cached


def test_classify_refuses_an_unknown_site():
    with pytest.raises(CommandError, match="Unknown site 'XX'"):
        _classify("hi\n", "--site", "XX")


def test_classifier_train_writes_the_model_once(settings, tmp_path):
    settings.AUTOMATION_MODEL_DIR = tmp_path
    out = io.StringIO()
    call_command("classifier_train", stdout=out)
    assert "trained" in out.getvalue()
    path = intents.model_path()
    assert path.exists() and path.parent == tmp_path
    out = io.StringIO()
    call_command("classifier_train", stdout=out)
    assert "up to date" in out.getvalue()


def test_a_changed_corpus_makes_the_cached_model_stale(settings, tmp_path):
    settings.AUTOMATION_MODEL_DIR = tmp_path / "models"
    corpus = tmp_path / "train.tsv"
    shutil.copy(TRAIN_PATH, corpus)
    first = intents.model_get(intents=INTENTS, train_path=corpus)
    old_path = intents.model_path(train_path=corpus)
    assert old_path.exists()
    assert intents.model_get(intents=INTENTS, train_path=corpus) is first  # kept in memory

    with corpus.open("a", encoding="utf-8") as f:
        f.write("en\tcancel\tpls cancel, ordered by mistake lah\n")
    new_path = intents.model_path(train_path=corpus)
    assert new_path != old_path and not new_path.exists()
    second = intents.model_get(intents=INTENTS, train_path=corpus)
    assert second is not first and new_path.exists()
    intents.model_forget()
