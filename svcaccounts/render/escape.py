"""One escaper per output format, for text this program did not write.

Definitions, stack files, file names, revision labels and token-server replies are written by
whoever opens a pull request or runs a server. Every renderer passes such text through the
escaper of its format, so that it shows as written and cannot change the output around it: forge
a line, colour a terminal, end a table row, close a code span, or add a link, an image or HTML.
JSON needs none: json.dumps escapes everything JSON can misread.
"""

from __future__ import annotations

import re
import unicodedata

# ---- terminal text ---------------------------------------------------------------------------

# What a terminal or a log viewer acts on instead of showing: control characters (ESC begins the
# colour and cursor sequences, CR and LF begin a line that is not ours), format characters
# (a bidi override reorders what the reader sees) and the Unicode line and paragraph separators.
_ACTED_ON = frozenset({"Cc", "Cf", "Zl", "Zp"})


def _shown(char: str) -> str:
    """`char` as a Python string literal writes it: \\n, \\t, \\x1b, \\u202e."""
    return repr(char)[1:-1]


def terminal_text(text: str) -> str:
    """`text` for a terminal: each character a terminal would act on shown escaped instead."""
    # isprintable() is False for every character escaped here: C speed for the common case, the
    # look at each character only for the rare text that fails it.
    if text.isprintable():
        return text
    return "".join(_shown(char) if unicodedata.category(char) in _ACTED_ON else char for char in text)


# ---- GitHub workflow commands ----------------------------------------------------------------


def github_data(text: str) -> str:
    """`text` as the message of a workflow command (`::error file=...::MESSAGE`)."""
    # GitHub's own encoding for %, CR and LF (the runner decodes them, so a message may span lines
    # in the annotation); any other control character would reach the log as is, where ESC
    # colours it: that one is shown escaped as on a terminal.
    return terminal_text(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def github_property(text: str) -> str:
    """`text` as a property value of a workflow command (`file=...`): `:` and `,` end it."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


# ---- markdown (GitHub flavoured) ---------------------------------------------------------------

# A backslash first, so that no escape added after it can be undone by one in the text; a pipe
# ends a table cell (GFM splits a row before it reads code spans); `<` opens HTML and autolinks;
# "](" is where an inline link or image begins its target (escaping the parenthesis is enough:
# a reference link would need a definition line, and no text here can start a line).
_MARKDOWN_INLINE = (("\\", "\\\\"), ("|", "\\|"), ("<", "\\<"), ("](", "]\\("))


def _one_line(text: str) -> str:
    # Line breaks become spaces, as a renderer joins the lines of a paragraph; any other control
    # character is shown escaped as on a terminal (markdown is read in terminals and logs too).
    return terminal_text(text.replace("\r", " ").replace("\n", " "))


# GitHub turns `@name` (and `@org/team`) in a comment into a mention that notifies them, in the
# rendered text, where no markdown escape reaches. A zero-width space after the `@` keeps what
# the reader sees and stops the notification. An `@` inside a word (an email address) is no
# mention and stays as it is.
_MENTION = re.compile(r"(?<![\w`])@(?=[A-Za-z0-9])")
_NO_MENTION = "@\u200b"


def markdown_inline(markup: str) -> str:
    """Our own inline markdown (code spans, emphasis) kept on its line and in its table cell,
    with no HTML, link, image or mention, whatever was spliced into it."""
    for special, escaped in _MARKDOWN_INLINE:
        markup = markup.replace(special, escaped)
    return _MENTION.sub(_NO_MENTION, _one_line(markup))


def markdown_text(text: str) -> str:
    """Someone else's text, shown as written: as `markdown_inline`, and no backtick may open a
    code span."""
    return markdown_inline(text).replace("`", "\\`")


_BACKTICKS = re.compile("`+")


def markdown_code(text: str) -> str:
    """Someone else's text as a code span it cannot close, on one line and in one table cell."""
    # Inside a code span backslashes are literal, so only the pipe needs one.
    body = _one_line(text).replace("|", "\\|")
    # A span opens and closes with a run of backticks that occurs nowhere inside it.
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(body)), default=0) + 1)
    # CommonMark strips one space from each end of a span that has both: a space on each side
    # keeps a backtick at an end from joining the fence, and keeps spaces that are the value's.
    if not body or body[0] == "`" or body[-1] == "`" or (body[0] == body[-1] == " " and body.strip(" ")):
        body = f" {body} "
    return f"{fence}{body}{fence}"
