"""Answers: the trained judge and its calibration, the extractive and LLM answerers,
citations, question rewriting, provenance records."""
