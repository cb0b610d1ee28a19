"""The labelled corpus of buyer messages (automation/corpus/*.tsv).

One example a line: language<TAB>intent<TAB>text. train.tsv trains the intent model; heldout.tsv,
written separately (not paraphrases of train lines), only evaluates it."""

import hashlib
from pathlib import Path
from typing import NamedTuple

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus"
TRAIN_PATH = CORPUS_DIR / "train.tsv"
HELDOUT_PATH = CORPUS_DIR / "heldout.tsv"


class CorpusError(ValueError):
    pass


class Example(NamedTuple):
    language: str
    intent: str
    text: str


def corpus_load(path: Path, *, intents: tuple[str, ...]) -> list[Example]:
    """Every example of `path`; a malformed line or an unknown intent is a CorpusError naming
    the line, so a bad edit to the corpus fails loudly instead of training on garbage."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not all(part.strip() for part in parts):
            raise CorpusError(f"{path.name}:{number}: expected language<TAB>intent<TAB>text")
        language, intent, text = (part.strip() for part in parts)
        if intent not in intents:
            raise CorpusError(f"{path.name}:{number}: unknown intent {intent!r}")
        examples.append(Example(language, intent, text))
    return examples


def corpus_hash(path: Path = TRAIN_PATH) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
