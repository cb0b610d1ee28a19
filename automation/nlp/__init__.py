"""The classifier's machinery: language detection, the intent corpus and model. Its public face
is automation.services.classification."""
