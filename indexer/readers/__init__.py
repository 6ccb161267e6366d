"""One module per file format that needs more than decoding bytes (Word, PDF, HTML).

Each exposes a ``read_*(path) -> SourceText``.
"""
