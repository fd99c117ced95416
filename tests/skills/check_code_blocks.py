#!/usr/bin/env python3
"""Parses every code block the skills ship, so an agent never copies a snippet that cannot run.

Usage: check_code_blocks.py DIR

For every *.md under DIR, each fenced block tagged python/py is compiled (as `python3 -m
py_compile` would), each yaml/yml block is read with PyYAML (every document of it), each json
block with the json module. Files beside them (*.py, *.yml/*.yaml, *.json) are checked the same
way. SQL blocks are not parsed here (no Databricks SQL parser exists offline). Every SKILL.md's
front matter must also read, with PyYAML, as a mapping with text `name` and `description`: the
plugin's own small parser (plugins/skills/src/front_matter.cpp) is checked against a real YAML
reader this way. Exits 1 and names file and line of every problem.
"""
import json
import os
import pathlib
import re
import sys
import textwrap

try:
    import yaml
except ImportError:
    # A Python without PyYAML (pyenv, a venv) may sit first on PATH; Debian's has python3-yaml.
    system = "/usr/bin/python3"
    if os.path.exists(system) and os.path.realpath(sys.executable) != os.path.realpath(system):
        os.execv(system, [system] + sys.argv)
    sys.exit("check_code_blocks: PyYAML is missing; install python3-yaml (scripts/deps.sh --test)")

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)")
KINDS = {"python": "python", "py": "python", "yaml": "yaml", "yml": "yaml", "json": "json"}


def check(kind, code, path, line=1):
    """Returns an error text naming the file and line, or None when `code` parses as `kind`."""
    try:
        if kind == "python":
            compile(code, str(path), "exec", dont_inherit=True)
        elif kind == "yaml":
            list(yaml.safe_load_all(code))
        elif kind == "json":
            json.loads(code)
        return None
    except SyntaxError as e:
        offset, message = (e.lineno or 1) - 1, e.msg
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        parts = [getattr(e, "context", None), getattr(e, "problem", None)]
        message = ", ".join(p for p in parts if p) or str(e).splitlines()[0]
        offset = mark.line if mark else 0
    except ValueError as e:
        offset, message = getattr(e, "lineno", 1) - 1, str(e)
    return f"{path}:{line + offset}: {kind} does not parse: {message}"


def check_front_matter(path):
    """Returns an error text unless the SKILL.md front matter is YAML with text name/description."""
    text = path.read_text(encoding="utf-8").lstrip("\ufeff")
    parts = text.replace("\r\n", "\n").split("\n---\n", 1)
    if not parts[0].startswith("---\n") or len(parts) != 2:
        return f"{path}:1: no front matter between '---' lines"
    try:
        fields = yaml.safe_load(parts[0][4:])
    except yaml.YAMLError as e:
        return f"{path}: the front matter is not YAML: {getattr(e, 'problem', e)}"
    if not isinstance(fields, dict):
        return f"{path}: the front matter is not a mapping"
    for key in ("name", "description"):
        if not isinstance(fields.get(key), str):
            return f"{path}: PyYAML does not read '{key}' as text"
    return None


def blocks(path):
    """Yields (kind or None, code, first line number) for each fenced block of a markdown file."""
    lines = path.read_text(encoding="utf-8").split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, indent = m.group("fence"), m.group("indent")
        kind = KINDS.get(m.group("info").lower())
        start = i + 1
        j = start
        while j < len(lines) and not (
            lines[j].strip().startswith(fence) and lines[j].strip().strip(fence[0]) == ""
        ):
            j += 1
        if j == len(lines):
            raise ValueError(f"{path}:{i + 1}: the code block is never closed")
        body = [line[len(indent):] if line.startswith(indent) else line for line in lines[start:j]]
        yield kind, textwrap.dedent("\n".join(body)) + "\n", start + 1
        i = j + 1


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    root = pathlib.Path(argv[1])
    if not root.is_dir():
        sys.exit(f"check_code_blocks: {root} is not a directory")
    errors, counts = [], {"python": 0, "yaml": 0, "json": 0}
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        suffix = path.suffix.lower()
        if path.name == "SKILL.md":
            error = check_front_matter(path)
            if error:
                errors.append(error)
        if suffix == ".md":
            try:
                for kind, code, line in blocks(path):
                    if kind is None:
                        continue
                    counts[kind] += 1
                    error = check(kind, code, path, line)
                    if error:
                        errors.append(error)
            except ValueError as e:
                errors.append(str(e))
        elif suffix in (".py", ".yml", ".yaml", ".json"):
            kind = KINDS[suffix[1:]]
            counts[kind] += 1
            error = check(kind, path.read_text(encoding="utf-8"), path)
            if error:
                errors.append(error)
    for error in errors:
        print(error)
    print(f"checked {counts['python']} python, {counts['yaml']} yaml and {counts['json']} json "
          f"blocks/files under {root}: {len(errors)} failed")
    if sum(counts.values()) == 0:
        print("no code blocks found; is the directory right?")
        return 1
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
