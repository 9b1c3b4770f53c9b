"""`bench/run.py accords`: the accords import benchmark (bench/accords_import.py)."""
from bench.accords_import import BUDGET_SECONDS, DATABASE, HELP, NAME, add_arguments, run  # noqa: F401
