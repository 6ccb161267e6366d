"""What a question asks of the documents it names: what they say, or which documents carry them out.

"Chỉ thị 05 yêu cầu gì" wants the directive's own requirements, and the
reference leg alone gives its card and every passage that cites it, which
for a much-cited directive buries what it says under what others say of it.
"Văn bản nào triển khai Chỉ thị 05" wants the documents that implement it,
where a plain mention of the number ranks as high as a plan built on it.
The words that tell the two apart are few and fixed, matched on folded text
so that a question typed without accents reads the same.
"""

from __future__ import annotations

import re

__all__ = ["ABOUT", "FOLLOWERS", "FOLLOWING_KINDS", "intent"]

ABOUT, FOLLOWERS = "about", "followers"
FOLLOWING_KINDS = ("basis", "implements", "guides")  # a document built on the one asked about

_VERB = (r"trien khai|thuc hien|can cu|huong dan|vien dan|dan chieu|ap dung|cu the hoa|quan triet"
         r"|implement\w*|cit(?:e|es|ed|ing)|based on|guid\w*|carr(?:y|ies) out")
_FOLLOWERS = re.compile(rf"\b(?:nao|which|what)\b.*\b(?:{_VERB})\b")
_ABOUT = re.compile(r"\b(?:(?:yeu cau|quy dinh|noi dung|de cap|chi dao|huong dan|noi)(?: (?:nhung|ve|den|cac))? gi"
                    r"|noi dung (?:chinh|co ban)|what does|what do|requires?|say about|provide for)\b")


def intent(folded: str) -> str | None:
    """``FOLLOWERS``, ``ABOUT`` or ``None`` for a folded question (lower case, no accents)."""
    if _FOLLOWERS.search(folded):
        return FOLLOWERS
    if _ABOUT.search(folded):
        return ABOUT
    return None
