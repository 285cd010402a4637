"""The errors rag raises on bad input or a broken set-up.

Every message says what went wrong and what to do about it; the CLI prints the
message as one line and exits non-zero, so a user never sees a traceback for
something they can fix. Bugs in rag itself are not wrapped: they stay ordinary
exceptions.
"""

from __future__ import annotations


class RagError(Exception):
    """Base class: a problem the user can fix, with a message that says how.

    The message is kept to one line (runs of white space, newlines included, become one
    space): it often quotes a library's own multi-line error, and the CLI prints one line.
    """

    def __init__(self, message: object = "", *args: object) -> None:
        super().__init__(" ".join(str(message).split()), *args)


class SourceError(RagError):
    """The source folder is missing, empty, or holds nothing that can be indexed."""


class IndexNotFoundError(RagError):
    """There is no index where one was expected."""


class IndexMismatchError(RagError):
    """The index on disk was built with another embedder, chunking or format."""


class IndexCorruptError(RagError):
    """A file of the index is damaged or missing."""


class StoreLocationError(RagError):
    """The store location (`RAG_STORE`, `--store`) is malformed or its engine cannot be reached."""


class IndexLockedError(RagError):
    """Another build holds the lock on this index."""


class ModelError(RagError):
    """A model (embedder or GGUF) is missing, unreadable or of the wrong format."""


class QuestionError(RagError):
    """The question cannot be answered as given (empty, too long, ...)."""


class SettingsError(RagError):
    """A setting (RAG_* variable, CLI option or `Settings` field) has a value rag does not take."""


class GateError(SettingsError):
    """The answer gate (--answer-gate, RAG_ANSWER_GATE) is neither "auto" nor a number."""


class FilterError(RagError):
    """A search filter (--since, --until, --outlet) cannot be read."""
