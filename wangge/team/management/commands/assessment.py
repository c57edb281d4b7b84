"""`wangge assessment run --period YYYY-MM [--district CODE] [--commit] [--json]`: the star-rated
assessment of a period for every worker of the district (of each district without --district).
A dry run prints what it would write; --commit writes it (a rerun updates the same scores)."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from wangge.areas.models import AreaNode, Level
from wangge.lib.errors import DomainError
from wangge.team.actions import run_period


class Command(BaseCommand):
    help = _("The star-rated assessment of the team.")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help=_("Compute a period's scores."))
        run.add_argument("--period", required=True, help="YYYY-MM")
        run.add_argument("--district", help=_("district code (default: every district)"))
        run.add_argument("--commit", action="store_true", help=_("write the scores (default: a dry run)"))
        run.add_argument("--json", action="store_true", help=_("print the result as JSON"))

    def handle(self, *args: Any, **options: Any) -> None:
        districts = AreaNode.objects.filter(level=Level.DISTRICT).order_by("pk")
        if options.get("district"):
            districts = districts.filter(code=options["district"])
            if not districts.exists():
                raise CommandError(_("Unknown district code: %(code)s") % {"code": options["district"]})
        results = []
        for district in districts:
            try:
                period, lines = run_period(
                    None, district=district, period_text=options["period"], commit=options["commit"]
                )
            except DomainError as error:
                raise CommandError(f"{error.code}: {error.message}") from None
            results.append(
                {
                    "district": district.code,
                    "period": period.label,
                    "start": period.start.isoformat(),
                    "end": period.end.isoformat(),
                    "committed": options["commit"],
                    "scores": [line.as_json() for line in lines],
                }
            )
        if options["json"]:
            self.stdout.write(json.dumps(results, ensure_ascii=False))
            return
        for result in results:
            self.stdout.write(
                _("%(district)s %(period)s: %(count)s workers%(dry)s")
                % {
                    "district": result["district"],
                    "period": result["period"],
                    "count": len(result["scores"]),
                    "dry": "" if result["committed"] else _(" (dry run, nothing written)"),
                }
            )
            for line in result["scores"]:
                self.stdout.write(
                    f"  {line['name']}\t{line['score']}\t{line['previous_stars']} → {line['stars']}\t{line['rule']}"
                )
