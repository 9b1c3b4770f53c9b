"""Text fields where insured persons type identifiers, on the pages and in the API: digits typed
on an Arabic keyboard become 0-9 before any check (beneficiaries.validators.ascii_digits)."""
from django import forms
from rest_framework import serializers

from beneficiaries.validators import ascii_digits


class AsciiDigits:
    def to_python(self, value):  # Django form fields
        return ascii_digits(super().to_python(value))

    def to_internal_value(self, data):  # DRF serializer fields
        return ascii_digits(super().to_internal_value(data))


class DigitsField(AsciiDigits, forms.CharField):
    pass


class DigitsRegexField(AsciiDigits, forms.RegexField):
    pass


class ApiDigitsField(AsciiDigits, serializers.CharField):
    pass


class ApiDigitsRegexField(AsciiDigits, serializers.RegexField):
    pass
