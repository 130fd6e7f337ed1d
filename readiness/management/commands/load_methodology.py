from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from readiness import methodology_v1
from readiness.exceptions import DomainError
from readiness.models import AssessmentRound
from readiness.services import methodology_load, system_user

DEFINITIONS = {"v1": {"pillars": methodology_v1.PILLARS, "bands": methodology_v1.BANDS}}


class Command(BaseCommand):
    help = (
        "Loads a methodology (pillars, sub-pillars, levels, facts, grade bands) into a draft round."
    )

    def add_arguments(self, parser):
        parser.add_argument("round", help="The slug of a round in draft.")
        parser.add_argument("--methodology", choices=sorted(DEFINITIONS), default="v1")

    def handle(self, *args, **options):
        assessment_round = AssessmentRound.objects.filter(slug=options["round"]).first()
        if assessment_round is None:
            raise CommandError(f"No round with the slug “{options['round']}”.")
        try:
            methodology_load(
                actor=system_user(),
                assessment_round=assessment_round,
                definition=DEFINITIONS[options["methodology"]],
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"Methodology {options['methodology']} loaded into “{assessment_round.name}”: "
            f"{assessment_round.pillars.count()} pillars."
        )
