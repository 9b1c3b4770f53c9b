"""Settings split by deployment: base, local (development), test, production."""
