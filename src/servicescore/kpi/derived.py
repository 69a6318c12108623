"""Derived indicators: formulas over other indicators of the same person and period,
evaluated by simpleeval (never Python `eval`). Allowed: numbers, indicator codes,
+ - * / ( ), comparisons, min, max, round, abs and `if(condition, then, else)`.

Definitions are checked when saved (syntax, unknown codes, cycles); at run time a
division by zero or a missing input gives null with the reason and the run goes on.
"""

import ast
import re

from django.utils.translation import gettext as _
from simpleeval import InvalidExpression, SimpleEval

from servicescore.core.errors import Invalid

from .errors import (
    FORMULA_CYCLE,
    FORMULA_NOT_ALLOWED,
    FORMULA_SYNTAX,
    FORMULA_UNKNOWN_INDICATOR,
    INDICATOR_CODE,
)

CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
# `if(` used as a function (after an operator, a comma, a bracket or at the start) is our
# conditional; Python's own `a if c else b` is left alone.
IF_CALL = re.compile(r"(^|[(,+\-*/<>=!]\s*)if\s*\(")


def _if(condition, then, otherwise):
    return then if condition else otherwise


FUNCTIONS = {"min": min, "max": max, "round": round, "abs": abs, "_if": _if}


def _prepare(formula: str) -> str:
    return IF_CALL.sub(lambda m: f"{m.group(1)}_if(", formula.strip())


def names_in(formula: str) -> set[str]:
    """The indicator codes a formula refers to; SyntaxError when it does not parse."""
    tree = ast.parse(_prepare(formula), mode="eval")
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} - called


class Formula:
    """A parsed formula, evaluated many times (once per person or org unit)."""

    def __init__(self, formula: str):
        self.text = formula
        self.evaluator = SimpleEval(functions=FUNCTIONS)
        self.tree = self.evaluator.parse(_prepare(formula))
        self.names = names_in(formula)

    def evaluate(self, values: dict) -> tuple[float | None, str]:
        """(value, reason): value None with the reason when an input is null or the formula
        cannot be evaluated (e.g. division by zero)."""
        missing = sorted(code for code in self.names if values.get(code) is None)
        if missing:
            return None, _("no data for %(codes)s") % {"codes": ", ".join(missing)}
        self.evaluator.names = {code: float(values[code]) for code in self.names}
        try:
            result = self.evaluator.eval(self.text, previously_parsed=self.tree)
        except ZeroDivisionError:
            return None, _("division by zero in %(formula)s") % {"formula": self.text}
        except (InvalidExpression, ArithmeticError, TypeError, ValueError) as error:
            return None, _("cannot evaluate %(formula)s: %(error)s") % {"formula": self.text, "error": error}
        if isinstance(result, bool):
            result = float(result)
        if not isinstance(result, int | float):
            return None, _("%(formula)s does not give a number") % {"formula": self.text}
        return float(result), ""


def _dependencies(definitions: dict[str, str]) -> dict[str, set[str]]:
    graph = {}
    for code, formula in definitions.items():
        try:
            graph[code] = names_in(formula) & set(definitions)
        except SyntaxError:
            graph[code] = set()
    return graph


def find_cycle(definitions: dict[str, str]) -> list[str] | None:
    """A cycle among derived definitions as a list of codes (A → B → A), or None."""
    graph = _dependencies(definitions)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(code):
        state[code] = 1
        stack.append(code)
        for nxt in sorted(graph.get(code, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if state.get(nxt) is None and (found := visit(nxt)):
                return found
        stack.pop()
        state[code] = 2
        return None

    for code in sorted(graph):
        if state.get(code) is None and (found := visit(code)):
            return found
    return None


def evaluation_order(definitions: dict[str, str]) -> list[str]:
    """Derived codes so that every code comes after the derived codes it uses."""
    graph = _dependencies(definitions)
    done: list[str] = []
    seen: set[str] = set()

    def visit(code):
        if code in seen:
            return
        seen.add(code)
        for nxt in sorted(graph.get(code, ())):
            visit(nxt)
        done.append(code)

    for code in sorted(graph):
        visit(code)
    return done


def check_definition(code: str, formula: str, *, known: set[str], others: dict[str, str]) -> None:
    """core.errors.Invalid (a ValidationError) naming the problem: bad code, syntax error,
    unknown or forbidden name, or a cycle with the company's other derived indicators.
    `known`: every other indicator code a formula may use; `others`: the other derived
    codes → their formulas (`DerivedIndicator.clean` reads both: this module needs no
    model)."""
    if not CODE_RE.fullmatch(code or ""):
        raise Invalid(
            _("Use capital letters, digits and '_', starting with a letter."),
            code=INDICATOR_CODE,
            field="code",
        )
    try:
        parsed = Formula(formula)
    except SyntaxError as error:
        raise Invalid(
            _("Syntax error in the formula at character %(offset)s: %(text)s")
            % {"offset": error.offset or "?", "text": formula},
            code=FORMULA_SYNTAX,
            field="formula",
        ) from None
    except InvalidExpression as error:
        raise Invalid(str(error), code=FORMULA_NOT_ALLOWED, field="formula") from None
    bad = sorted(name for name in parsed.names if name.startswith("_") or not CODE_RE.fullmatch(name))
    if bad:
        raise Invalid(
            _("Not allowed in a formula: %(names)s") % {"names": ", ".join(bad)},
            code=FORMULA_NOT_ALLOWED,
            field="formula",
        )
    tree = ast.parse(_prepare(formula), mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS):
            raise Invalid(
                _("Only min, max, round, abs and if can be called."),
                code=FORMULA_NOT_ALLOWED,
                field="formula",
            )
        if isinstance(node, ast.Attribute | ast.Subscript | ast.Lambda | ast.Constant) and not (
            isinstance(node, ast.Constant) and isinstance(node.value, int | float)
        ):
            raise Invalid(
                _("Only numbers and indicator codes may appear in a formula."),
                code=FORMULA_NOT_ALLOWED,
                field="formula",
            )
    unknown = sorted(name for name in parsed.names if name not in known and name != code)
    if unknown:
        raise Invalid(
            _("Unknown indicator %(codes)s.") % {"codes": ", ".join(unknown)},
            code=FORMULA_UNKNOWN_INDICATOR,
            field="formula",
        )
    cycle = find_cycle({**others, code: formula})
    if cycle:
        raise Invalid(
            _("This formula makes a cycle: %(cycle)s.") % {"cycle": " → ".join(cycle)},
            code=FORMULA_CYCLE,
            field="formula",
        )
