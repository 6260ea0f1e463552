"""Clean stage: `SourceItem` (raw bytes of one input) -> `Article`s (decoded, normalised text split into
paragraphs with offsets, images, metadata) or `Reject`s with a reason; a batch is a `CleanedBatch`.

Modules: `batch` (the stage function), `readers` (format detection and one reader per format),
`encodings` (bytes -> text), `htmlpage` (web pages), `plaintext` (plain-text articles), `body`
(the paragraph assembler every reader shares), `datelines`, `textnorm` (Vietnamese text
normalisation), `sentences` (sentence boundaries); `task` is the Prefect task.
"""
