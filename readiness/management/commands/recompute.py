import sys
import time

from django.core.management.base import BaseCommand, CommandError

from readiness.models import AssessmentRound
from readiness.recompute import recompute, schedule_recompute


def progress_bar(done: int, total: int, label: str, width: int = 30) -> str:
    filled = width * done // total if total else width
    return f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<30}"


class Command(BaseCommand):
    help = "Recomputes the results of one round (by slug) or of every round, here and now."

    def add_arguments(self, parser):
        parser.add_argument("round", nargs="?", help="Round slug; all rounds when omitted.")
        parser.add_argument(
            "--queue", action="store_true", help="Queue the recomputes for the workers instead."
        )

    def handle(self, *args, **options):
        rounds = AssessmentRound.objects.order_by("slug")
        if options["round"]:
            rounds = rounds.filter(slug=options["round"])
            if not rounds.exists():
                raise CommandError(f"No round with the slug “{options['round']}”.")
        rounds = list(rounds)
        if options["queue"]:
            for assessment_round in rounds:
                schedule_recompute(assessment_round.pk, coalesce=False)
            self.stdout.write(f"Queued {len(rounds)} recompute(s).")
            return
        interactive = sys.stdout.isatty()
        started = time.perf_counter()
        for index, assessment_round in enumerate(rounds, 1):
            outcome = recompute(assessment_round.pk, force=True)
            line = progress_bar(index, len(rounds), assessment_round.slug)
            if interactive:
                self.stdout.write(line, ending="")
                self.stdout.flush()
            else:
                self.stdout.write(
                    f"{line.strip()} v{outcome.version} in {outcome.duration_ms:.0f} ms"
                )
        if interactive:
            self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Recomputed {len(rounds)} round(s) in {time.perf_counter() - started:.2f} s."
            )
        )
