"""What the REST API accepts: JSON only, parsed without letting a deep document crash the
worker, into serializers that take exactly the types their schema states.

DRF's stock fields are lenient: a CharField takes the number 5 and a JSON object may carry keys
nobody declared. Clients are generated from the OpenAPI schema, so the API takes what the schema
says and refuses the rest with a 400 naming the field.
"""

import re

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Ids are PostgreSQL bigints.
MAX_ID = 2**63 - 1


class SafeJSONParser(JSONParser):
    """JSON, the API's one request format. A document nested thousands of levels deep makes
    Python's json raise RecursionError, which escaped as a 500; it is a 400 like any other
    unreadable body."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None


class ClosedSerializer(serializers.Serializer):
    # Refuses keys it does not declare (`additionalProperties: false` in the schema). A comment,
    # not a docstring: the schema would show it as every subclass's description.

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A JSON string only (DRF's CharField also takes numbers and turns them into text)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class PatternField(StrictCharField):
    """A string that matches `pattern` whole; whitespace is kept, so it must match too."""

    default_error_messages = {"invalid": "Not a valid string.", "pattern": "{explanation}"}

    def __init__(self, pattern: str, explanation: str, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        self.pattern, self.explanation = pattern, explanation
        self._regex = re.compile(pattern)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not self._regex.fullmatch(value):
            self.fail("pattern", explanation=self.explanation)
        return value


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: not "12", not 12.0, not true."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class PatternFieldSchema(OpenApiSerializerFieldExtension):
    target_class = PatternField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = {"type": "string", "pattern": f"^{self.target.pattern}$"}
        if self.target.max_length is not None:
            schema["maxLength"] = self.target.max_length
        if self.target.help_text:
            schema["description"] = str(self.target.help_text)
        return schema
