"""Write side of the insured persons' portal."""
