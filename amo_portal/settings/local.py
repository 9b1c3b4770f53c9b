"""Development settings: debug on, console email, embedded defaults."""
from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# `make run` is a demonstration: the simulated bank answers transfer orders (never in production).
AMO_DEMO_BANK = env.bool("AMO_DEMO_BANK", default=True)
