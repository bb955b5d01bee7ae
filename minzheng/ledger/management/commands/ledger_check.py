from django.core.management.base import BaseCommand, CommandError

from minzheng.ledger.selectors import trial_balance_problems


class Command(BaseCommand):
    help = "Check that every entry balances and every account balance equals the sum of its lines."

    def handle(self, *args, **options):
        problems = trial_balance_problems()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in the ledger")
        self.stdout.write(self.style.SUCCESS("The ledger balances."))
