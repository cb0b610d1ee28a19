"""The classifier: the time to classify one buyer message (language + intent), against a
keyword-only lookup measured in the same run (the baseline: what a rule list costs).

    .venv/bin/python bench/bm_classify.py [--rounds 20]

Classifies the held-out corpus (automation/corpus/heldout.tsv, each message for a site of its
language) --rounds times, after a warm-up pass. Prints p50/p95 of the wall time and of this
thread's CPU time (on a busy machine the wall time's tail is waiting for a core), the ratio to
the baseline, and the goal: p95 < 5 ms per message. No database needed.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _rig import pct  # noqa: E402

# A keyword list of the kind the classifier replaces, matched by substring.
KEYWORDS = {
    "tracking": ("where is my", "parcel", "tracking", "resi", "พัสดุ", "物流", "快递", "rastreio"),
    "return_refund": ("refund", "return", "hoàn tiền", "trả hàng", "退货", "退款", "คืน"),
    "cancel": ("cancel", "batal", "hủy", "取消", "ยกเลิก", "cancelar"),
    "greeting_thanks": ("hello", "thank", "terima kasih", "makasih", "cảm ơn", "谢谢", "ขอบคุณ"),
}


def keyword_lookup(text: str) -> str:
    lowered = text.lower()
    for intent, words in KEYWORDS.items():
        if any(word in lowered for word in words):
            return intent
    return "other"


def timed(function, items, rounds: int) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for _ in range(rounds):
        for item in items:
            started, cpu_started = time.perf_counter(), time.thread_time()
            function(item)
            cpu.append((time.thread_time() - cpu_started) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopee_cs.settings.test")
    import django

    django.setup()
    from automation.nlp.corpus import HELDOUT_PATH, corpus_load
    from automation.nlp.evaluation import LANGUAGE_SITES
    from automation.services.classification import INTENTS, text_classify

    messages = [
        (e.text, LANGUAGE_SITES.get(e.language, ""))
        for e in corpus_load(HELDOUT_PATH, intents=INTENTS)
    ]
    started = time.perf_counter()
    for text, site in messages:  # warm-up: loads (or trains) the model, lingua's models
        text_classify(text, site=site)
    print(f"warm-up (model load or training, lingua models): {time.perf_counter() - started:.2f} s")

    base_wall, _ = timed(lambda m: keyword_lookup(m[0]), messages, args.rounds)
    wall, cpu = timed(lambda m: text_classify(m[0], site=m[1]), messages, args.rounds)
    b50, b95 = pct(base_wall, 50), pct(base_wall, 95)
    w50, w95 = pct(wall, 50), pct(wall, 95)
    c50, c95 = pct(cpu, 50), pct(cpu, 95)
    print(f"{len(wall)} classifications, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()}")
    print(f"baseline keyword lookup: p50 {b50 * 1000:.1f} us, p95 {b95 * 1000:.1f} us")
    print(f"classifier wall: p50 {w50:.2f} ms, p95 {w95:.2f} ms ({w95 / b95:.0f}x the baseline)")
    print(f"classifier CPU:  p50 {c50:.2f} ms, p95 {c95:.2f} ms")
    print(f"p95 per message < 5 ms: {'PASS' if w95 < 5 else 'FAIL'} (wall), "
          f"{'PASS' if c95 < 5 else 'FAIL'} (CPU)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
