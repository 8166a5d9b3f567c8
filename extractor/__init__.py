"""adminduk-facts: Indonesian regional news on population administration → facts.

The public API: read an article, find its facts and awards, store them.
"""

from .article import html_to_article, load_article, text_to_article
from .errors import ExtractorError, NotAnArticle, PatternError, UnreadableInput
from .facts import extract_facts
from .models import Article, Award, Extraction, Fact, Region
from .pipeline import InputItem, Outcome, expand_inputs, process, process_all

__all__ = [
    "Article",
    "Award",
    "Extraction",
    "ExtractorError",
    "Fact",
    "InputItem",
    "NotAnArticle",
    "Outcome",
    "PatternError",
    "Region",
    "UnreadableInput",
    "expand_inputs",
    "extract_facts",
    "html_to_article",
    "load_article",
    "process",
    "process_all",
    "text_to_article",
]
