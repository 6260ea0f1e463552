"""Evaluation of the extractors against hand-made gold files: precision, recall and F1 per fact type.

Gold files and the corpus they refer to are parameters; gold keeps references to corpus files
(never article text), which are read at evaluation time.
"""
