"""The intent model: character n-grams (TF-IDF, sublinear tf) and a logistic regression, trained
from automation/corpus/train.tsv. Character n-grams need no word segmentation, so Thai and
Chinese (no spaces) work as they are. Very short messages ("hi", "ok", "ship?") carry too few
n-grams for the model; keyword rules answer those.

The trained model is cached as a file keyed by the corpus hash and scikit-learn's version
(`classifier_train` builds it); a missing or stale file is retrained in-process on first use."""

import logging
import os
import re
import tempfile
import threading
from pathlib import Path

import joblib
import sklearn
from django.conf import settings
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from automation.nlp.corpus import TRAIN_PATH, Example, corpus_hash, corpus_load

logger = logging.getLogger(__name__)

_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


def text_normalize(text: str) -> str:
    """Lowercase, digit runs folded (an order number is not a feature), spaces collapsed."""
    return _SPACES.sub(" ", _DIGITS.sub("0", text.lower())).strip()


def model_build() -> Pipeline:
    return Pipeline(
        [
            (
                "features",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(1, 4),
                    sublinear_tf=True,
                    preprocessor=text_normalize,
                ),
            ),
            ("classifier", LogisticRegression(C=20.0, max_iter=3000)),
        ]
    )


def model_train(examples: list[Example]) -> Pipeline:
    model = model_build()
    # One BLAS thread: on a busy machine, BLAS's threads fighting for the cores made training
    # ten times slower (15 s instead of about 1 s for this corpus).
    with threadpool_limits(limits=1):
        model.fit([e.text for e in examples], [e.intent for e in examples])
    return model


def model_path(*, train_path: Path = TRAIN_PATH) -> Path:
    key = f"{corpus_hash(train_path)[:16]}-sklearn{sklearn.__version__}"
    return Path(settings.AUTOMATION_MODEL_DIR) / f"intents-{key}.joblib"


def model_file_build(*, intents: tuple[str, ...], train_path: Path = TRAIN_PATH) -> Path:
    """Train from the corpus and write the model file atomically (a concurrent reader sees the
    old file or the new one, never half of one). Returns its path."""
    path = model_path(train_path=train_path)
    model = model_train(corpus_load(train_path, intents=intents))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        joblib.dump(model, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


_lock = threading.Lock()
_loaded: dict[Path, Pipeline] = {}


def model_get(*, intents: tuple[str, ...], train_path: Path = TRAIN_PATH) -> Pipeline:
    """The model for the current corpus: from memory, else the cached file, else trained now
    (and cached if the directory is writable; a read-only one only costs a retrain per process)."""
    path = model_path(train_path=train_path)
    model = _loaded.get(path)
    if model is not None:
        return model
    with _lock:
        if path in _loaded:
            return _loaded[path]
        if path.exists():
            model = joblib.load(path)
        else:
            try:
                model = joblib.load(model_file_build(intents=intents, train_path=train_path))
            except OSError as error:
                logger.warning("classifier model not cached (%s); trained in memory", error)
                model = model_train(corpus_load(train_path, intents=intents))
        _loaded.clear()  # one corpus at a time: a stale model is dropped
        _loaded[path] = model
        return model


def model_forget() -> None:
    """Drop the in-memory model (tests, or after the corpus changed in a running process)."""
    with _lock:
        _loaded.clear()


def intent_predict(model: Pipeline, text: str) -> tuple[str, float]:
    """The most probable intent and its probability."""
    probabilities = model.predict_proba([text])[0]
    best = int(probabilities.argmax())
    return str(model.classes_[best]), float(probabilities[best])


# Keyword rules for messages too short for the model (at most two words, or a few Thai/Chinese
# characters). Matched on the normalized text, whole words only for Latin text.
SHORT_KEYWORDS = {
    "greeting_thanks": (
        "hi", "hello", "hey", "halo", "hai", "helo", "ok", "okay", "oke", "ok sis", "thanks",
        "thank you", "thx", "tq", "ty", "makasih", "terima kasih", "obrigado", "obrigada",
        "valeu", "oi", "olá", "ola", "cảm ơn", "cam on", "chào shop", "chao shop", "shop ơi",
        "你好", "谢谢", "在吗", "好的", "สวัสดี", "สวัสดีค่ะ", "สวัสดีครับ", "ขอบคุณ", "ขอบคุณค่ะ",
        "ขอบคุณครับ", "noted", "p", "assalamualaikum", "bom dia", "boa tarde", "boa noite",
    ),
    "shipping_time": ("ship?", "ship", "kirim?", "pos?", "发货", "发货?", "ส่งยัง", "gửi chưa"),
    "tracking": ("resi?", "resi", "tracking", "tracking?", "物流", "单号", "เลขพัสดุ", "mã vận đơn"),
    "cancel": ("cancel", "batal", "取消", "ยกเลิก", "hủy", "huy", "cancelar"),
    "return_refund": (
        "refund", "retur", "return", "退款", "退货", "คืนเงิน", "hoàn tiền", "reembolso",
    ),
    "availability": ("ready?", "ready", "stock?", "stok?", "ada?", "有货吗", "còn không", "tem?"),
    "price_discount": (
        "voucher", "voucher?", "diskon", "discount", "优惠", "ลดไหม", "giảm giá", "desconto",
    ),
}  # fmt: skip
_SHORT_LOOKUP = {word: intent for intent, words in SHORT_KEYWORDS.items() for word in words}
_SHORT_STRIP = re.compile(r"[\s!.,~…。！，、🙏😊👍]+$")


def is_short(text: str) -> bool:
    normalized = text_normalize(text)
    if " " not in normalized.strip() and re.search(r"[\u0e00-\u0e7f\u4e00-\u9fff]", normalized):
        return len(normalized) <= 4
    return len(normalized.split()) <= 2 and len(normalized) <= 14


def short_intent(text: str) -> str | None:
    """The keyword rule's intent for a very short message, or None when none applies."""
    normalized = _SHORT_STRIP.sub("", text_normalize(text))
    if normalized in _SHORT_LOOKUP:
        return _SHORT_LOOKUP[normalized]
    return _SHORT_LOOKUP.get(normalized.rstrip("?？"))
