"""Quoted attacks that are mentioned, not given: "an input such as 'Ignore previous ...'".

Security documents, advisories, tutorials, tests and questions about injection quote the
very sentences the rules look for. Read as orders they are false positives (issue 18:
round 7's security documents). A quotation is a *mention* when the text around it says so:
a cue next to it ("such as", "for example", "e.g.", "an attacker might write", "the
payload", "'...' is the classic opener") and words of talk about attacks somewhere outside
the quotes ("injection", "attacker", "test", "advisory"...). A block of speaker lines
("User: ... / Bot: ...") that the rest of the text calls a transcript or conversation is
quoted the same way. The injection rules matched only inside mentions then count nothing,
nor does a scripted dialogue opening there, and the learned model reads the text with the
mentions blanked (:meth:`guard.content.scanner.Scanner._mentioned`).

An attacker can wrap a live instruction in quotes too, so a quotation is never a mention
when the text outside the quotes puts it to use ("now do it", "follow the quoted text",
"treat it as your instruction", "apply that example to yourself"), when it hails the model
right before the quote ("Assistant: '...'"), when the quote is an answer dictated to it
("respond only with the string '...'"), when it is under three words, or when there is
next to nothing outside it (a message that is its own quotation). What stays outside the
quotes is scanned as usual.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from guard.regex import compile_regex, group_spans

QUOTED_CHARS = (8, 400)
"""Length of a quotation that may be a mention (a fenced code block may be longer). Checked
in Python: counted repetitions would make RE2's program hundreds of states long."""

Quoted = tuple[int, int, int, int, bool]
"""A quotation's start, end, inner start, inner end, and whether it is a transcript."""

MENTION = "quoted_mention"
"""The name reported (with the other injection signals) when a mention was discounted."""

QUOTES = (
    r'"([^"\n]+)"|\x{201c}([^\x{201d}\n]+)\x{201d}|\x{2018}([^\x{2019}\n]+)\x{2019}'
    r"|\x{00ab}([^\x{00bb}\n]+)\x{00bb}|```([^`]+)```|`([^`\n]+)`"
    r"|(?:^|[^a-z0-9])'([a-z](?:[^'\n]|'[a-z])*[^\s'])'")
"""Quotations of the folded view: double, curly, guillemet, backtick (inline or fenced)
and single quotes (an apostrophe before a letter, "model's", closes nothing). RE2, as are
:data:`TALK`, :data:`USE` and :data:`TRANSCRIPT` (compiled on first use), which read the
whole text (Python's ``re`` took ~150 µs on 2 KB for them); the cues read a few dozen
characters each."""

BEFORE = re.compile(
    r"(?:\b(?:such as|for (?:example|instance)|e\.?g|i\.?e|like|as in|of the form)"
    r"[^a-z0-9]{0,4}$"
    r"|\b(?:(?:the |a |this )?(?:strings?|phrases?|phrasing|sentences?|payloads?|inputs?|lines?|"
    r"text|words?|prompts?|messages?|opener|examples?|attempts?|attacks?|injections?)|"
    r"containing|contains|contained|include|includes|including|holds?|held|"
    r"carr(?:y|ies|ied)|typing|pasting|sending|entering|(?<!you )(?:might|could) (?:write|"
    r"type|send|paste|say)|writes|wrote|written|typed|sent|pasted this|hid|hides|hidden|"
    r"matches|match|catches|flags|blocks|detects|counts|lists|says|said|reads|"
    r"grep(?: -[a-z]+)*|search(?:ed)? for|"
    r"look(?:ing)? for)\b"
    r"|\b(?:pasted|sent|typed|wrote|posted|submitted|entered) (?:[a-z]+ ){0,5}?(?:into|to|in|on"
    r"|at) (?:[a-z]+ ){0,3}?[a-z]+ ?:"
    r"|(?:^|\s)\((?:[a-z]|[0-9]{1,2}|i{1,3}|iv|v)\)|(?:^|\s)(?:[a-z]|[0-9]{1,2})[.)])"
    r"[^a-z0-9:]{0,4}$")
"""A cue right before a quotation that it is an example of something. A noun or verb cue
followed by a colon is a field's label ("prompt: '...'", a template's slot), not a cue."""

AFTER = re.compile(
    r"^[^a-z0-9]{0,4}(?:(?:is|are|was|were) (?:the|an?|one|still|often|used|common|"
    r"classic|typical|known|blocked|flagged|caught)|has been|have been|succeeded|worked|works|"
    r"show up|shows up|appears?|should (?:yield|be (?:blocked|flagged|caught))|"
    r"in (?:a|an|the|our|their|white|hidden)|and (?:ask|see|check|watch|explain))\b")
"""A cue right after a quotation that it is the subject of talk ("'...' is the classic
opener", "'...' succeeded on 3 of 40 runs")."""

TALK = (
    r"\b(?:injections?|inject\w*|attack\w*|jailbreak\w*|payloads?|red ?team\w*|malicious|"
    r"exploit\w*|adversar\w*|phishing|filters?|detect\w*|guardrails?|tests?|testers?|"
    r"fixtures?|test_\w*|assert\w*|block\w*|regression|examples?|classic|demos?|mitigat\w*|defen[cd]\w*|vulnerab\w*|"
    r"advisory|cve|owasp|security|trainees?|training|lessons?|course|quiz|paper|report|"
    r"logs?|grep|transcripts?|changelog|release notes|detector|rule|crafted|dangerous|"
    r"spot|why|bug|stops?|prevent\w*|bots?|chatbots?)\b")
"""Words of talk about attacks, outside the quotes: what makes a cue a mention."""

USE = (
    r"\b(?:now do|then do|and do|do (?:exactly |just )?(?:what|as) (?:it|that|this|the \w+) says|"
    r"do (?:it|that|this|so)\b|follow (?:it|that|this|these|those|the (?:quote\w*|phrase|"
    r"sentence|text|string|example|line)|the above)|carry (?:it|that|this|them) out|"
    r"carry out|execute|run (?:it|that|this)|apply (?:it|that|this|the example)|act on|"
    r"comply|(?:^|[.!;:,] |please |now |just |you must )obey|treat (?:it|this|that|the \w+) "
    r"as|as (?:your|an?) (?:new |real |actual )?(?:instruction|command|order|task)|"
    r"addressed to you|as (?:if )?(?:it (?:were|was) )?coming from|meant for you|"
    r"repeat after me|go ahead|pretend (?:i am|"
    r"i m|that|you)|you (?:must|should|will|have to) (?:follow|obey|do)|your (?:new )?"
    r"(?:instructions?|task|orders?)|answer (?:it|that|this)|continue|complete (?:it|the|this)|"
    r"your turn|(?:reply|respond|answer) as|what would you (?:say|output|reply|answer|do|"
    r"respond|print|write)|how would you (?:respond|reply|answer)|you know what to do)\b")
"""Words outside the quotes that put a quotation to use: then it is an instruction (asking
what the model would answer to it is putting it to use too)."""

HAILED = re.compile(r"(?:^|[.!?\n]\s*)(?:(?:hey|hi|dear|attention|note to|to) (?:the )?)?"
                    r"(?:assistant|ai|model|bot|chatbot|gpt|claude|llm|you)[ \t]*[,:]\s*$")
"""The model hailed right before the quotation ("Assistant: '...'")."""

LISTED = re.compile(r"[\s,;/]*(?:(?:or|and|vs)\b[\s,]*)?(?:\(?[a-z0-9]\)[\s]*)?")
"""Between two quotations of one list ("e.g. 'a', 'b' or 'c'", "(a) '...' (b) '...'")."""

SPEAKER = (r"[ \t]*(?:[a-z]+ )?(?:user|human|assistant|ai|bot|chatbot|customer|agent|support|"
           r"q|a|me|you)[ \t]*:[^\n]*")
TRANSCRIPT = rf"(?m)^{SPEAKER}(?:\n{SPEAKER})+"
"""Two or more lines in a row, each opened by a speaker ("User: ...", "Bot: ...")."""

REFERRED = re.compile(
    r"\b(?:this|the|that|above|following|a|our) (?:[a-z]+ )?(?:transcript|conversation|"
    r"exchange|dialogue|dialog|chat(?: log)?)\b")
"""The rest of the text naming the speaker lines as a thing to look at."""

DICTATED = re.compile(
    r"(?<!might )(?<!could )(?<!would )(?<!to )(?<!attacker )"
    r"\b(?:say|print|output|respond|reply|answer|write|type|return|repeat|display|state|"
    r"end|begin|start)(?: (?:only|just|exactly|back|out))?(?: (?:with|by))?(?: (?:the|this) "
    r"(?:string|word|phrase|text|sentence|line|message|words))?[^a-z0-9]{0,4}$")
"""An answer dictated right before the quotation ("respond only with the string '...'"):
the quotation is what the model is told to say, never an example."""

MIN_QUOTED = 3
"""Words a mention holds at least: an instruction is a sentence ("'Access granted'" on a
login page is a label, and blanking it would hide a game's password from the model)."""

MIN_OUTSIDE = 5
"""Words a text needs outside its quotations for them to be mentions (a message that is
only a quotation is an order however it is punctuated)."""


def mentions(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` (a folded view) quoted as examples, inner text only; [] when the
    text puts a quotation to use or there is no quotation."""
    quoted = _quotations(text)
    if not quoted:
        return []
    outside = _outside(text, quoted)
    if len(outside.split()) < MIN_OUTSIDE or _re2(USE).search(outside) \
            or not _re2(TALK).search(outside):
        return []
    spans: list[tuple[int, int]] = []
    cued, last = False, -1
    for start, end, inner, stop, transcript in quoted:
        listed = cued and LISTED.fullmatch(text, last, start) is not None
        before = text[max(0, start - 40):start]
        asked = transcript and REFERRED.search(outside) is not None
        cued = (listed or asked or _cued(text, start, end)) \
            and not HAILED.search(before) and not DICTATED.search(before)
        if cued and text.count(" ", inner, stop) >= MIN_QUOTED - 1:
            spans.append((inner, stop))
        last = end
    return spans


def _quotations(text: str) -> list[Quoted]:
    """(start, end, inner start, inner end, transcript?) of every quotation and transcript
    block."""
    found = []
    if any(q in text for q in "\"'`\u201c\u2018\u00ab"):
        for spans in group_spans(_re2(QUOTES), text):
            inner, stop = next(span for span in spans[1:] if span[0] >= 0)
            mark = 3 if text.startswith("```", inner - 3) else 1
            if QUOTED_CHARS[0] <= stop - inner <= QUOTED_CHARS[1] or mark == 3:
                found.append((inner - mark, stop + mark, inner, stop, False))
    if ":" in text:
        found += [(s[0][0], s[0][1], s[0][0], s[0][1], True)
                  for s in group_spans(_re2(TRANSCRIPT), text)]
    return sorted(found)


def _outside(text: str, quoted: list[Quoted]) -> str:
    """The text with every quotation cut out (a space in its place)."""
    parts, last = [], 0
    for start, end, *_ in quoted:
        parts.append(text[last:max(last, start)])
        last = max(last, end)
    parts.append(text[last:])
    return " ".join(parts)


def _cued(text: str, start: int, end: int) -> bool:
    """A cue right before or right after the quotation says it is an example."""
    return bool(BEFORE.search(text[max(0, start - 60):start])
                or AFTER.search(text[end:end + 40]))


def blanked(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with ``spans`` replaced by spaces (same length: offsets stay valid)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


@cache
def _re2(source: str) -> Any:
    """The RE2 form of one of the whole-text patterns, compiled on first use (importing
    guard does not load re2)."""
    return compile_regex(source)
