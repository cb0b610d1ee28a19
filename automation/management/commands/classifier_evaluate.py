import os

from django.conf import settings
from django.core.management.base import BaseCommand

from automation.nlp.evaluation import EvaluationReport, classifier_evaluate
from automation.services.classification import INTENTS


class Command(BaseCommand):
    help = (
        "Train the intent model on automation/corpus/train.tsv, evaluate it on heldout.tsv: "
        "per-language precision and recall per intent, accuracy, macro F1, language detection "
        "and the time to classify one message (p50/p95)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--threshold",
            type=float,
            default=None,
            help="Confidence threshold (default: AUTOMATION_INTENT_THRESHOLD).",
        )
        parser.add_argument(
            "--markdown", action="store_true", help="Markdown tables (for docs/automation.md)."
        )

    def handle(self, *args, **options):
        threshold = options["threshold"]
        if threshold is None:
            threshold = settings.AUTOMATION_INTENT_THRESHOLD
        report = classifier_evaluate(intents=INTENTS, threshold=threshold)
        lines = _markdown(report) if options["markdown"] else _text(report)
        self.stdout.write("\n".join(lines))


def _summary(report: EvaluationReport) -> list[str]:
    return [
        f"train {report.train_count} messages ({report.train_seconds:.2f} s to train, "
        f"scikit-learn {report.sklearn_version}), held-out {report.heldout_count}, "
        f"threshold {report.threshold:.2f}",
        f"overall accuracy {report.accuracy:.3f}, macro F1 {report.macro_f1:.3f}; "
        f"time per message p50 {report.p50_ms:.2f} ms, p95 {report.p95_ms:.2f} ms "
        f"(CPU p50 {report.cpu_p50_ms:.2f} ms, p95 {report.cpu_p95_ms:.2f} ms; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)",
    ]


def _text(report: EvaluationReport) -> list[str]:
    lines = _summary(report)
    for language, scores in report.languages.items():
        lines.append(
            f"\n{language}: accuracy {scores.accuracy:.3f}, macro F1 {scores.macro_f1:.3f}, "
            f"language detected {scores.language_accuracy:.3f} ({scores.count} messages)"
        )
        lines.append(f"  {'intent':<16} precision  recall  n")
        for intent, score in scores.intents.items():
            lines.append(
                f"  {intent:<16} {score.precision:9.2f} {score.recall:7.2f} {score.support:3d}"
            )
    return lines


def _markdown(report: EvaluationReport) -> list[str]:
    lines = [f"- {line}" for line in _summary(report)]
    languages = list(report.languages)
    lines += [
        "",
        "| | " + " | ".join(languages) + " |",
        "|---|" + "---|" * len(languages),
        "| accuracy | "
        + " | ".join(f"{report.languages[lang].accuracy:.2f}" for lang in languages)
        + " |",
        "| macro F1 | "
        + " | ".join(f"{report.languages[lang].macro_f1:.2f}" for lang in languages)
        + " |",
        "| language detected | "
        + " | ".join(f"{report.languages[lang].language_accuracy:.2f}" for lang in languages)
        + " |",
        "",
        "Precision / recall per intent (held-out messages per language and intent: 3 or 4):",
        "",
        "| intent | " + " | ".join(languages) + " |",
        "|---|" + "---|" * len(languages),
    ]
    for intent in INTENTS:
        cells = []
        for lang in languages:
            score = report.languages[lang].intents[intent]
            cells.append(f"{score.precision:.2f} / {score.recall:.2f}")
        lines.append(f"| {intent} | " + " | ".join(cells) + " |")
    return lines
