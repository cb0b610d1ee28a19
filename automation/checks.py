"""System check: the intent corpus loads and covers every intent in every language, and the
confidence threshold is a probability; a bad corpus edit fails `manage.py check`, not a buyer."""

from django.conf import settings
from django.core.checks import Error, register

from automation.nlp.corpus import HELDOUT_PATH, TRAIN_PATH, CorpusError, corpus_load

CORPUS_LANGUAGES = ("zh", "en", "th", "vi", "ms", "id", "pt")
MIN_PER_INTENT = 8


@register()
def classifier_corpus(app_configs=None, **kwargs) -> list[Error]:
    from automation.services.classification import INTENTS

    errors = []
    if not 0.0 <= settings.AUTOMATION_INTENT_THRESHOLD <= 1.0:
        errors.append(
            Error("AUTOMATION_INTENT_THRESHOLD must be between 0 and 1.", id="automation.E001")
        )
    try:
        train = corpus_load(TRAIN_PATH, intents=INTENTS)
        corpus_load(HELDOUT_PATH, intents=INTENTS)
    except (CorpusError, OSError) as error:
        return [*errors, Error(f"The intent corpus is unreadable: {error}", id="automation.E002")]
    for language in CORPUS_LANGUAGES:
        for intent in INTENTS:
            count = sum(e.language == language and e.intent == intent for e in train)
            if count < MIN_PER_INTENT:
                errors.append(
                    Error(
                        f"The intent corpus has {count} {language} messages for {intent} "
                        f"(at least {MIN_PER_INTENT} needed).",
                        id="automation.E003",
                    )
                )
    return errors
