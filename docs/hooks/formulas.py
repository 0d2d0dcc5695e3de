r"""mkdocs hook: the formulas of the API reference typeset as maths.

The docstrings write their formulas in the slides' plain notation, readable in a terminal:

    m <- beta_1 m + (1 - beta_1) dw               (first moment, the momentum)
    a = tanh(z);  da/dz = 1 - tanh(z)^2

On the reference pages this hook finds them — a block whose every line is a formula (with an
optional comment in parentheses), or a formula inside a sentence — turns each into LaTeX
(beta_1 -> \beta_1, <- -> \leftarrow, sqrt(x) -> \sqrt{x}, x^(t) -> x^{t}, m_hat -> \hat{m}) and
then into MathML, which browsers draw without any script, so the site works offline. Anything it
does not recognise as a formula (code examples, prose) is left as it was.
"""
from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu", "rho", "sigma",
         "tau", "phi", "nu", "omega", "pi", "Delta", "Sigma"}
LATEX_FUNCTIONS = {"exp", "log", "ln", "tanh", "sin", "cos", "max", "min"}
NAMED_FUNCTIONS = {"softmax", "sigmoid", "relu", "argmax"}      # words that are never prose
MATH_WORDS = GREEK | LATEX_FUNCTIONS | NAMED_FUNCTIONS | {"sqrt", "sum"}
PROSE = {"if", "of", "in", "is", "on", "or", "to", "at", "by", "as", "an", "be", "it", "no", "so", "we",
         "for", "and", "the", "else"}
RELATIONS = {"=", "<-", "->", ">=", "<=", "<", ">", "!=", "+=", "-=", "≈"}

TOKEN = re.compile(r"""
    (?P<number>\d+(?:\.\d+)?(?:e-?\d+)?)
  | (?P<ident>[A-Za-z][A-Za-z0-9]*(?:_(?:\{[^}]*\}|[A-Za-z0-9]+))*'?)
  | (?P<op><-|->|>=|<=|!=|\+=|-=|\|\||[=+\-*/^_<>·|(){}\[\]≈])
  | (?P<space>\s+)
  | (?P<comma>,)
  | (?P<other>.)
""", re.VERBOSE)


def tokens(text: str) -> list[tuple[str, str]]:
    return [(m.lastgroup, m.group()) for m in TOKEN.finditer(text)]


def _is_math(kind: str, value: str) -> bool:
    if kind in ("number", "op", "space"):
        return True
    if kind != "ident":
        return False
    base = value.split("_")[0].rstrip("'")
    return value not in PROSE and (len(base) <= 2 or "_" in value or base in MATH_WORDS)


def formula_spans(text: str) -> list[tuple[int, int]]:
    r"""(start, end) character ranges of the formulas in ``text``: runs of maths around a relation
    (=, <-, >=, ...), with operands on both sides, balanced brackets, and no prose word inside."""
    toks = tokens(text)
    offsets, position = [], 0
    for _, value in toks:
        offsets.append(position)
        position += len(value)
    spans, i = [], 0
    while i < len(toks):
        if not (toks[i][0] == "op" and toks[i][1] in RELATIONS):
            i += 1
            continue
        left, depth = i, 0
        while left > 0:
            kind, value = toks[left - 1]
            if value in (")", "]", "}"):
                depth += 1
            elif value in ("(", "[", "{"):
                if depth == 0:
                    break
                depth -= 1
            elif kind == "comma" and depth == 0:
                break
            elif kind != "comma" and not _is_math(kind, value):
                break
            left -= 1
        right, depth = i + 1, 0
        while right < len(toks):
            kind, value = toks[right]
            if value in ("(", "[", "{"):
                depth += 1
            elif value in (")", "]", "}"):
                if depth == 0:
                    break
                depth -= 1
            elif kind == "comma" and depth == 0:
                break
            elif kind != "comma" and not _is_math(kind, value):
                break
            right += 1
        while left < i and toks[left][0] == "space":
            left += 1
        while right > i + 1 and toks[right - 1][0] == "space":
            right -= 1
        span = toks[left:right]
        operands = lambda part: any(k in ("ident", "number") for k, _ in part)   # noqa: E731
        inner = "".join(v for _, v in span)
        if (operands(toks[left:i]) and operands(toks[i + 1:right]) and _balanced(inner)
                and (not spans or offsets[left] >= spans[-1][1])):
            spans.append((offsets[left], offsets[right - 1] + len(toks[right - 1][1])))
            i = right
        else:
            i += 1
    return spans


def _balanced(text: str) -> bool:
    depth = {"(": 0, "[": 0, "{": 0}
    pairs = {")": "(", "]": "[", "}": "{"}
    for char in text:
        if char in depth:
            depth[char] += 1
        elif char in pairs:
            depth[pairs[char]] -= 1
            if depth[pairs[char]] < 0:
                return False
    return not any(depth.values()) and text.count("||") % 2 == 0


def _identifier(value: str) -> str:
    prime = "'" if value.endswith("'") else ""
    base, *subscripts = value.rstrip("'").split("_")
    if len(base) > 2 and base not in GREEK and subscripts and subscripts != ["hat"]:
        return f"\\mathrm{{{value.rstrip(chr(39))}}}".replace("_", "\\_") + prime      # a name: leaky_relu
    if base in GREEK:
        latex = "\\" + base
    elif base in LATEX_FUNCTIONS:
        latex = "\\" + base
    elif base == "sum":
        latex = "\\sum"
    elif base in NAMED_FUNCTIONS or len(base) > 2:
        latex = f"\\mathrm{{{base}}}"
    else:
        latex = base
    for sub in subscripts:
        if sub == "hat":
            latex = f"\\hat{{{latex}}}"
        else:
            sub = sub.strip("{}")
            inner = "\\" + sub if sub in GREEK else (f"\\mathrm{{{sub}}}" if len(sub) > 2 else sub)
            latex = f"{{{latex}}}_{{{inner}}}"
    return latex + prime


def _group(toks, start):
    r"""The tokens of the bracket group opening at ``start`` and the index after it."""
    depth = 0
    for k in range(start, len(toks)):
        if toks[k][1] in ("(", "[", "{"):
            depth += 1
        elif toks[k][1] in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                return toks[start + 1:k], k + 1
    raise ValueError("unbalanced")


OPERATORS = {"<-": "\\leftarrow ", "->": "\\rightarrow ", ">=": "\\geq ", "<=": "\\leq ", "!=": "\\neq ",
             "*": "\\cdot ", "·": "\\cdot ", "||": "\\| ", "≈": "\\approx ", "+=": "\\mathrel{+}= ",
             "-=": "\\mathrel{-}= ", "<": "< ", ">": "> ", "{": "{", "}": "}"}


def _latex(toks) -> str:
    out, k = [], 0
    while k < len(toks):
        kind, value = toks[k]
        if kind == "ident" and value == "sqrt" and k + 1 < len(toks) and toks[k + 1][1] == "(":
            inner, k = _group(toks, k + 1)
            out.append(f"\\sqrt{{{_latex(inner)}}}")
            continue
        if value in ("^", "_") and k + 1 < len(toks):
            nxt = toks[k + 1]
            if nxt[1] in ("(", "{"):
                inner, k = _group(toks, k + 1)
                out.append(f"{value}{{{_latex(inner)}}}")
            elif nxt[1] == "-" and k + 2 < len(toks):
                out.append(f"{value}{{-{_latex([toks[k + 2]])}}}")
                k += 3
            else:
                out.append(f"{value}{{{_latex([nxt])}}}")
                k += 2
            continue
        if kind == "ident":
            out.append(_identifier(value))
        elif kind == "number":
            out.append(value)
        elif kind == "space":
            out.append(" ")
        elif kind == "comma":
            out.append(",\\, ")
        elif value in OPERATORS:
            out.append(OPERATORS[value])
        elif value in "%#&$":
            out.append("\\" + value)
        else:
            out.append(value)
        k += 1
    return "".join(out).strip()


def to_latex(formula: str) -> str:
    r"""The LaTeX of one formula in the slides' notation (``beta_1 m + (1 - beta_1) dw``)."""
    latex = _latex([t for t in tokens(formula)])
    if not _balanced(latex.replace("\\{", "").replace("\\}", "")):
        raise ValueError(f"unbalanced formula: {formula!r}")
    return latex


def mathml(formula: str, display: bool = False) -> str:
    return convert(to_latex(formula), display="block" if display else "inline")


def typeset_text(text: str) -> str | None:
    r"""HTML for a paragraph of plain text with its formulas in MathML (None if it has none)."""
    spans = formula_spans(text)
    if not spans:
        return None
    parts, last = [], 0
    try:
        for start, end in spans:
            parts += [html.escape(text[last:start], quote=False), mathml(text[start:end])]
            last = end
    except Exception:               # noqa: BLE001  (a formula the converter cannot read stays text)
        return None
    return "".join(parts) + html.escape(text[last:], quote=False)


_COMMENT = re.compile(r"^\(.*\)$")


def typeset_block(text: str) -> str | None:
    r"""MathML lines for a block whose every line is formulas (``;``- or space-separated), each
    with an optional comment in parentheses; None for any other block (code, tables)."""
    lines = []
    for line in text.strip("\n").splitlines():
        if not line.strip():
            continue
        pieces = [p.strip() for p in re.split(r"\s{2,}|;\s+", line.strip()) if p.strip()]
        latex = []
        for piece in pieces:
            spans = formula_spans(piece.rstrip(","))
            covered = sum(e - s for s, e in spans)
            if spans and covered >= 0.8 * len(piece.rstrip(",").replace(" ", "")) and "\"" not in piece:
                try:
                    latex.append(" \\quad ".join(to_latex(piece[s:e]) for s, e in spans))
                except ValueError:
                    return None
            elif _COMMENT.match(piece) or piece in ("so", "and", "or", "with", "where"):
                latex.append(f"\\text{{{piece}}}")
            else:
                return None
        if not any(not part.startswith("\\text") for part in latex):
            return None
        lines.append(" \\qquad ".join(latex))
    if not lines:
        return None
    try:
        return "".join(convert(line, display="block") for line in lines)
    except Exception:               # noqa: BLE001
        return None


_BLOCK = re.compile(r'<div class="highlight"><pre><span></span><code>(.*?)</code></pre></div>', re.S)
_PARAGRAPH = re.compile(r"<p>([^<]*)</p>")


def on_page_content(content, page, config, files):
    if not page.file.src_uri.startswith("reference/"):
        return content

    def block(match):
        rendered = typeset_block(html.unescape(match.group(1)))
        return f'<div class="formula">{rendered}</div>' if rendered else match.group(0)

    def paragraph(match):
        rendered = typeset_text(html.unescape(match.group(1)))
        return f"<p>{rendered}</p>" if rendered else match.group(0)

    return _PARAGRAPH.sub(paragraph, _BLOCK.sub(block, content))
