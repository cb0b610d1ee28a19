"""Intent classification of buyer messages it has never seen, the threshold, the corpus."""

import pytest

from automation.nlp.corpus import CorpusError, corpus_load
from automation.nlp.evaluation import classifier_evaluate
from automation.services.classification import INTENTS, Classification, text_classify

# Messages NOT in the corpus (train or held-out), a handful per language.
UNSEEN = [
    ("en", "SG", "hey where's my package, tracking shows nothing", "tracking"),
    ("en", "SG", "i want a refund for this", "return_refund"),
    ("en", "SG", "please cancel my order", "cancel"),
    ("en", "SG", "item arrived broken", "damaged_wrong"),
    ("en", "SG", "any discount voucher?", "price_discount"),
    ("zh", "TW", "亲，包裹到哪了", "tracking"),
    ("zh", "TW", "帮我取消这个订单", "cancel"),
    ("zh", "TW", "收到的杯子碎了", "damaged_wrong"),
    ("zh", "TW", "还有库存吗", "availability"),
    ("zh", "TW", "什么时候能发货", "shipping_time"),
    ("th", "TH", "ขอยกเลิกออเดอร์ค่ะ", "cancel"),
    ("th", "TH", "ขอคืนเงินค่ะ", "return_refund"),
    ("th", "TH", "ขอบคุณมากครับ", "greeting_thanks"),
    ("th", "TH", "มีส่วนลดไหมคะ", "price_discount"),
    ("vi", "VN", "đơn hàng của em tới đâu rồi shop", "tracking"),
    ("vi", "VN", "em muốn hủy đơn", "cancel"),
    ("vi", "VN", "còn size M không shop", "availability"),
    ("ms", "MY", "saya nak refund duit", "return_refund"),
    ("ms", "MY", "barang rosak bila sampai", "damaged_wrong"),
    ("ms", "MY", "stok masih ada tak", "availability"),
    ("id", "ID", "paket saya udah sampai mana kak", "tracking"),
    ("id", "ID", "kapan barangnya dikirim", "shipping_time"),
    ("id", "ID", "batalin pesanan saya ya", "cancel"),
    ("pt", "BR", "quero cancelar o pedido", "cancel"),
    ("pt", "BR", "o produto veio quebrado", "damaged_wrong"),
    ("pt", "BR", "tem estoque?", "availability"),
]


@pytest.mark.parametrize(("language", "site", "text", "intent"), UNSEEN)
def test_intent_of_unseen_messages(language, site, text, intent):
    result = text_classify(text, site=site)
    assert isinstance(result, Classification)
    assert (result.language, result.intent) == (language, intent)
    assert 0.0 < result.confidence <= 1.0


@pytest.mark.parametrize(
    ("text", "intent"),
    [("hi", "greeting_thanks"), ("ok", "greeting_thanks"), ("ship?", "shipping_time"),
     ("谢谢", "greeting_thanks"), ("resi?", "tracking")],
)  # fmt: skip
def test_very_short_messages_use_the_keyword_rules(text, intent):
    assert text_classify(text, site="ID").intent == intent


@pytest.mark.parametrize("text", ["", "   ", "😀🙏", "2406181234567", "?", "!!!"])
def test_nothing_to_read_is_other_with_no_confidence(text):
    assert text_classify(text, site="MY") == Classification("", "other", 0.0)


def test_below_the_threshold_the_intent_is_other(settings):
    text = "i want a refund for this"
    confident = text_classify(text, site="SG")
    assert confident.intent == "return_refund"
    settings.AUTOMATION_INTENT_THRESHOLD = 0.999
    doubtful = text_classify(text, site="SG")
    # The confidence stays the model's: "other" says a human decides, not that it is unsure why.
    assert doubtful == Classification("en", "other", confident.confidence)


def test_a_language_the_site_does_not_speak_goes_to_a_human():
    result = text_classify("สินค้าถึงไหนแล้วคะ", site="BR")
    assert result == Classification("", "other", 0.0)


def test_held_out_accuracy_is_above_its_floor():
    report = classifier_evaluate(intents=INTENTS, threshold=0.3, timing_rounds=0)
    assert report.heldout_count >= 7 * 20
    assert report.accuracy >= 0.7
    assert set(report.languages) == {"zh", "en", "th", "vi", "ms", "id", "pt"}
    for language, scores in report.languages.items():
        assert scores.accuracy >= 0.6, language
        assert scores.language_accuracy >= 0.9, language


def test_the_corpus_covers_every_intent_in_every_language():
    from automation.nlp.corpus import HELDOUT_PATH, TRAIN_PATH

    train = corpus_load(TRAIN_PATH, intents=INTENTS)
    heldout = corpus_load(HELDOUT_PATH, intents=INTENTS)
    for language in ("zh", "en", "th", "vi", "ms", "id", "pt"):
        lines = [e for e in train if e.language == language]
        assert len(lines) >= 60, language
        for intent in INTENTS:
            assert sum(e.intent == intent for e in lines) >= 8, (language, intent)
    # Written separately: no held-out message repeats a training one.
    assert not {e.text.lower() for e in heldout} & {e.text.lower() for e in train}


def test_a_malformed_corpus_line_is_refused_with_its_line(tmp_path):
    path = tmp_path / "train.tsv"
    path.write_text("en\ttracking\twhere is it\nen\tcomplaint\tbad shop\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"train.tsv:2: unknown intent 'complaint'"):
        corpus_load(path, intents=INTENTS)
    path.write_text("en\ttracking where is it\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"train.tsv:1: expected"):
        corpus_load(path, intents=INTENTS)


def test_the_system_check_refuses_a_thin_corpus_and_bad_threshold(settings, tmp_path, monkeypatch):
    from automation import checks

    assert checks.classifier_corpus() == []
    thin = tmp_path / "train.tsv"
    thin.write_text("en\ttracking\twhere is my parcel\n", encoding="utf-8")
    monkeypatch.setattr(checks, "TRAIN_PATH", thin)
    settings.AUTOMATION_INTENT_THRESHOLD = 1.5
    ids = [e.id for e in checks.classifier_corpus()]
    assert ids[0] == "automation.E001"
    assert "automation.E003" in ids
    thin.write_text("en\tnope\twhere is my parcel\n", encoding="utf-8")
    assert [e.id for e in checks.classifier_corpus()][-1] == "automation.E002"
