"""Clean stage: `SourceItem` (raw bytes of one input) -> `Article`s (decoded, normalised text split into
paragraphs with offsets, images, metadata) or `Reject`s with a reason; a batch is a `CleanedBatch`.

Modules: `batch` (the stage function), `readers` (format detection, plain text, corpus and HTML
readers), `records` (JSON Lines and CSV exports), `articles` (the Article or Reject of an input),
`encodings` (bytes -> text, told the charset fetch determined), `htmlpage` (web pages and their
metadata), `htmlbody` (a page's body without its furniture), `plaintext` (plain-text articles),
`body` (the paragraph assembler every reader shares), `datelines`, `textnorm` (Vietnamese text
normalisation), `sentences` (sentence boundaries); `task` is the Prefect task.
"""
