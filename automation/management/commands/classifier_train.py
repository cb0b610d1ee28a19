from django.core.management.base import BaseCommand

from automation.nlp.intents import model_file_build, model_path
from automation.services.classification import INTENTS


class Command(BaseCommand):
    help = (
        "Train the intent model from automation/corpus/train.tsv and cache it as a file keyed "
        "by the corpus hash and scikit-learn's version (skipped when that file exists)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Retrain even if up to date.")

    def handle(self, *args, **options):
        path = model_path()
        if path.exists() and not options["force"]:
            self.stdout.write(f"Intent model up to date: {path}")
            return
        path = model_file_build(intents=INTENTS)
        self.stdout.write(f"Intent model trained: {path}")
