import json
import sys

from django.core.management.base import BaseCommand, CommandError

from automation.services.classification import text_classify
from integrations.models import Site


class Command(BaseCommand):
    help = (
        "Classify buyer messages: one message per line on standard input, one JSON object per "
        'line on standard output ({"language": ..., "intent": ..., "confidence": ...}). Trains '
        "the model first if its file is missing."
    )
    stealth_options = ("stdin",)  # call_command(..., stdin=StringIO(...)) in tests

    def add_arguments(self, parser):
        parser.add_argument(
            "--site",
            default="",
            help="Restrict language detection to this site's languages plus en and zh "
            f"({', '.join(Site.values)}); default: every supported language.",
        )

    def handle(self, *args, **options):
        site = options["site"].upper()
        if site and site not in Site.values:
            raise CommandError(
                f"Unknown site {options['site']!r}; one of {', '.join(Site.values)}."
            )
        stdin = options.get("stdin") or sys.stdin
        for line in stdin:
            result = text_classify(line.rstrip("\r\n"), site=site)
            self.stdout.write(
                json.dumps(
                    {
                        "language": result.language,
                        "intent": result.intent,
                        "confidence": result.confidence,
                    }
                )
            )
            self.stdout.flush()
