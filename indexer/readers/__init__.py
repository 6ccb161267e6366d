"""One module per file format that needs more than decoding bytes (Word, PDF, HTML): each exposes a ``read_*(path) -> SourceText``."""
