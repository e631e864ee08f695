"""Read the catalogue's YAML files into frozen models, naming file, line, key, value and rule."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from healthgap.catalogue.dump import COLLECTION_FILES
from healthgap.catalogue.framework import Catalogue
from healthgap.catalogue.models import (
    Aim,
    Change,
    Commitment,
    FocusArea,
    Indicator,
    KeyFigure,
    Mission,
    Priority,
    SixTest,
    is_semver,
)
from healthgap.catalogue.validation import check_references
from healthgap.errors import CatalogueError

__all__ = ["DEFAULT_PATH", "load_catalogue", "validate_catalogue"]

#: The catalogue shipped with healthgap.
DEFAULT_PATH = Path(__file__).resolve().parent / "data"

#: libyaml's safe loader when available (several times faster), else the pure-Python one.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_MODELS: dict[str, type[BaseModel]] = {
    "aims": Aim,
    "priorities": Priority,
    "commitments": Commitment,
    "focus_areas": FocusArea,
    "missions": Mission,
    "six_tests": SixTest,
    "key_figures": KeyFigure,
    "changes": Change,
}


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load and check the catalogue in ``path`` (default: the bundled one, cached).

    Raises :class:`~healthgap.errors.CatalogueError` for the first problem found.
    """
    if path is None:
        return _load_default()
    catalogue, errors = _read(Path(path))
    if errors:
        raise errors[0]
    assert catalogue is not None  # no errors means every file was read
    return catalogue


def validate_catalogue(path: Path | None = None) -> tuple[CatalogueError, ...]:
    """Every problem in the catalogue at ``path`` (empty when it is valid)."""
    _, errors = _read(DEFAULT_PATH if path is None else Path(path))
    return tuple(errors)


@lru_cache(maxsize=1)
def _load_default() -> Catalogue:
    return load_catalogue(DEFAULT_PATH)


# --------------------------------------------------------------------------- reading


class _File:
    """One YAML file: its parsed data, and its node tree composed on demand (for line numbers)."""

    def __init__(self, path: Path, shown: str) -> None:
        self.shown = shown
        self._text = path.read_text(encoding="utf-8")
        self._node: yaml.Node | None = None
        try:
            self.data: Any = yaml.load(self._text, Loader=_LOADER)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            raise CatalogueError(
                f"not valid YAML: {exc.problem}",
                file=shown,
                row=None if mark is None else mark.line + 1,
            ) from exc

    @property
    def node(self) -> yaml.Node | None:
        if self._node is None:
            self._node = yaml.compose(self._text, Loader=yaml.SafeLoader)
        return self._node

    def line(self, path: tuple[int | str, ...]) -> int | None:
        """1-based line of the deepest node along ``path`` that exists."""
        node = self.node
        if node is None:
            return None
        best = node.start_mark.line + 1
        for step in path:
            child = None
            if isinstance(node, yaml.SequenceNode) and isinstance(step, int):
                if 0 <= step < len(node.value):
                    child = node.value[step]
            elif isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == str(step):
                        best = key_node.start_mark.line + 1
                        child = value_node
                        break
            if child is None:
                return best
            node = child
            best = node.start_mark.line + 1
        return best


def _rule(error: Any) -> str:
    loc = [str(p) for p in error["loc"] if isinstance(p, str)]
    field = loc[-1] if loc else "entry"
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "enum":
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"{field} must be one of {expected}"
    if kind == "missing":
        return f"{field} is required"
    if kind == "extra_forbidden":
        return f"{field} is not a known field"
    if kind == "string_pattern_mismatch":
        return f"{field} must match the pattern {ctx.get('pattern')}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return f"{field}: {error['msg']}"


def _convert(
    exc: ValidationError, file: _File, base: tuple[int | str, ...], key: str
) -> list[CatalogueError]:
    out: list[CatalogueError] = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        column = ".".join(str(p) for p in loc) or None
        value = None if error["type"] in ("missing",) else error.get("input")
        if isinstance(value, dict | list):
            value = None
        out.append(
            CatalogueError(
                _rule(error),
                file=file.shown,
                row=file.line(base + loc),
                key=key,
                column=column,
                value=value,
            )
        )
    return out


def _read(root: Path) -> tuple[Catalogue | None, list[CatalogueError]]:
    errors: list[CatalogueError] = []
    lines: dict[tuple[str, str], int | None] = {}
    parts: dict[str, Any] = {}

    def open_file(rel: str) -> _File | None:
        path = root / rel
        if not path.is_file():
            errors.append(CatalogueError("file is missing", file=str(path)))
            return None
        try:
            return _File(path, str(path))
        except CatalogueError as exc:
            errors.append(exc)
            return None

    head = open_file("catalogue.yaml")
    if head is not None:
        data = head.data
        if not isinstance(data, dict) or set(data) != {"version", "title"}:
            errors.append(
                CatalogueError(
                    "must be a mapping with exactly 'version' and 'title'", file=head.shown
                )
            )
        elif not is_semver(str(data["version"])):
            errors.append(
                CatalogueError(
                    "version must be a semantic version such as 1.0.0",
                    file=head.shown,
                    row=head.line(("version",)),
                    key="version",
                    value=data["version"],
                )
            )
        else:
            parts["version"] = str(data["version"])
            parts["title"] = str(data["title"])

    for attr, rel in COLLECTION_FILES.items():
        file = open_file(rel)
        if file is None:
            continue
        if not isinstance(file.data, list):
            errors.append(CatalogueError("must be a YAML list of entries", file=file.shown))
            continue
        items = []
        for n, raw in enumerate(file.data):
            key = str(raw.get("id", f"[{n}]")) if isinstance(raw, dict) else f"[{n}]"
            lines[(rel, key)] = file.line((n,))
            try:
                items.append(_MODELS[attr].model_validate(raw))
            except ValidationError as exc:
                errors += _convert(exc, file, (n,), key)
        parts[attr] = tuple(items)

    folder = root / "indicators"
    indicators = []
    paths = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not paths:
        errors.append(CatalogueError("no indicator files (indicators/*.yaml)", file=str(folder)))
    for path in paths:
        rel = f"indicators/{path.name}"
        try:
            file = _File(path, str(path))
        except CatalogueError as exc:
            errors.append(exc)
            continue
        if not isinstance(file.data, dict):
            errors.append(CatalogueError("must be a YAML mapping", file=file.shown))
            continue
        lines[(rel, path.stem)] = 1
        try:
            ind = Indicator.model_validate(file.data)
        except ValidationError as exc:
            errors += _convert(exc, file, (), path.stem)
            continue
        if ind.id != path.stem:
            errors.append(
                CatalogueError(
                    f"id must equal the file name '{path.stem}'",
                    file=file.shown,
                    row=file.line(("id",)),
                    key=path.stem,
                    column="id",
                    value=ind.id,
                )
            )
            continue
        indicators.append(ind)
    parts["indicators"] = tuple(indicators)

    if errors:
        return None, errors
    catalogue = Catalogue.model_validate(parts)
    for problem in check_references(catalogue):
        errors.append(
            CatalogueError(
                problem.rule,
                file=str(root / problem.file),
                row=lines.get((problem.file, problem.key)),
                key=problem.key,
                column=problem.column,
                value=problem.value,
            )
        )
    return (None, errors) if errors else (catalogue, errors)
