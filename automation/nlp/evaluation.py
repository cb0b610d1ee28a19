"""Train on the training corpus, evaluate on the held-out set: per-language precision and recall
per intent, accuracy, macro F1, language detection, and the time to classify one message."""

import time
from dataclasses import dataclass, field
from pathlib import Path

import sklearn
from sklearn.metrics import f1_score, precision_recall_fscore_support

from automation.nlp.corpus import HELDOUT_PATH, TRAIN_PATH, corpus_load
from automation.nlp.intents import model_train

# The site a held-out message is classified for: a shop where buyers write that language.
LANGUAGE_SITES = {
    "zh": "TW",
    "en": "SG",
    "th": "TH",
    "vi": "VN",
    "ms": "MY",
    "id": "ID",
    "pt": "BR",
}


@dataclass
class IntentScore:
    precision: float
    recall: float
    support: int


@dataclass
class LanguageReport:
    accuracy: float
    macro_f1: float
    language_accuracy: float  # language detection on the language's site
    count: int
    intents: dict[str, IntentScore] = field(default_factory=dict)


@dataclass
class EvaluationReport:
    threshold: float
    train_count: int
    heldout_count: int
    train_seconds: float
    accuracy: float
    macro_f1: float
    p50_ms: float
    p95_ms: float
    # The thread's CPU time: on a busy machine the wall time's tail is waiting for a core.
    cpu_p50_ms: float
    cpu_p95_ms: float
    sklearn_version: str
    languages: dict[str, LanguageReport] = field(default_factory=dict)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def classifier_evaluate(
    *,
    intents: tuple[str, ...],
    threshold: float,
    train_path: Path = TRAIN_PATH,
    heldout_path: Path = HELDOUT_PATH,
    timing_rounds: int = 5,
) -> EvaluationReport:
    from automation.services.classification import text_classify

    train = corpus_load(train_path, intents=intents)
    heldout = corpus_load(heldout_path, intents=intents)
    started = time.perf_counter()
    model = model_train(train)
    train_seconds = time.perf_counter() - started

    predicted, detected, timings, cpu_timings = [], [], [], []
    for example in heldout:
        site = LANGUAGE_SITES.get(example.language, "")
        result = text_classify(example.text, site=site, threshold=threshold, model=model)
        predicted.append(result.intent)
        detected.append(result.language)
    # Timed separately, after a first pass has warmed lingua's and the model's lazy parts.
    for _ in range(timing_rounds):
        for example in heldout:
            site = LANGUAGE_SITES.get(example.language, "")
            started, cpu_started = time.perf_counter(), time.thread_time()
            text_classify(example.text, site=site, threshold=threshold, model=model)
            cpu_timings.append((time.thread_time() - cpu_started) * 1000)
            timings.append((time.perf_counter() - started) * 1000)

    truth = [e.intent for e in heldout]
    report = EvaluationReport(
        threshold=threshold,
        train_count=len(train),
        heldout_count=len(heldout),
        train_seconds=train_seconds,
        accuracy=sum(p == t for p, t in zip(predicted, truth, strict=True)) / len(heldout),
        macro_f1=f1_score(truth, predicted, labels=list(intents), average="macro", zero_division=0),
        p50_ms=_percentile(timings, 0.50),
        p95_ms=_percentile(timings, 0.95),
        cpu_p50_ms=_percentile(cpu_timings, 0.50),
        cpu_p95_ms=_percentile(cpu_timings, 0.95),
        sklearn_version=sklearn.__version__,
    )
    for language in sorted({e.language for e in heldout}):
        rows = [i for i, e in enumerate(heldout) if e.language == language]
        y_true = [truth[i] for i in rows]
        y_pred = [predicted[i] for i in rows]
        precision, recall, _, support = precision_recall_fscore_support(
            y_true, y_pred, labels=list(intents), zero_division=0
        )
        report.languages[language] = LanguageReport(
            accuracy=sum(p == t for p, t in zip(y_pred, y_true, strict=True)) / len(rows),
            macro_f1=f1_score(
                y_true, y_pred, labels=list(intents), average="macro", zero_division=0
            ),
            language_accuracy=sum(detected[i] == language for i in rows) / len(rows),
            count=len(rows),
            intents={
                intent: IntentScore(float(p), float(r), int(n))
                for intent, p, r, n in zip(intents, precision, recall, support, strict=True)
            },
        )
    return report
