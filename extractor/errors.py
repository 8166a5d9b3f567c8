"""Named errors. Each message says what was wrong with which input and what to do."""


class ExtractorError(Exception):
    """Base of every error the library raises on purpose."""


class NotAnArticle(ExtractorError):
    """The input holds no article text we can read (empty, binary, PDF, no body, not Indonesian)."""


class UnreadableInput(ExtractorError):
    """The input could not be read at all (missing file, permission, failed download)."""


class PatternError(ExtractorError):
    """A file in patterns/ is malformed; the message names the file and line."""
