"""Runs or checks every example in README.md and docs/*.md, so an example
that no longer works fails the test suite (tests/test_docs.c runs this).

Usage: python3 tests/doc_examples.py SOURCE_DIR NNLAB TMPDIR [--run-tour]

Examples are the shell lines of ```sh blocks, the YAML of ```yaml blocks,
and inline code spans that start with `nnlab`, `build/release/nnlab`,
`make` or `sh scripts/`. A command with a placeholder in capitals (CONFIG,
DIR, KEY=VALUE) or an ellipsis is a synopsis, not an example, and only
its command name is checked.

- with --run-tour, the nnlab commands of README.md's ```sh blocks (its
  tour) run for real, in order, each exit 0;
- nnlab run, sweep and check: `nnlab check` of the config with the same
  --set and --plugin options (exit 0);
- nnlab eval: `nnlab check` of its config;
- other nnlab commands: run in an empty directory, where their files are
  missing: anything but a usage error (exit 2) passes;
- a command name alone: `nnlab NAME --help` (exit 0);
- make TARGET: the Makefile has the target; sh scripts/X: the script
  exists, and the ones that only write example data (RUN_SCRIPTS) run;
- YAML: its top-level sections put in place of those of
  configs/nielsen-ch1.yaml, then `nnlab check` (exit 0).

Commands run in a scratch directory that links the source's configs/,
scripts/ and data/mnist/, so what an example writes stays out of the tree.
Prints one line per example and exits 1 when any fails.
"""
import glob
import os
import re
import shlex
import subprocess
import sys

src, nnlab, tmp = sys.argv[1:4]
tour = "--run-tour" in sys.argv[4:]
failures = []
checked = 0
RUN_SCRIPTS = {"scripts/make-csv-example.sh"}

work = os.path.join(tmp, "work")
os.makedirs(os.path.join(work, "data"), exist_ok=True)
for link, target in (("configs", "configs"), ("scripts", "scripts"), ("data/mnist", "data/mnist")):
    if not os.path.lexists(os.path.join(work, link)):
        os.symlink(os.path.join(src, target), os.path.join(work, link))

PLACEHOLDER = re.compile(r"^[A-Z][A-Z0-9_]*([.=:,].*)?$")
ENV = re.compile(r"^[A-Z][A-Z0-9_]*=\S*$")


def say(where, what, ok, detail=""):
    global checked
    checked += 1
    where = where.replace(":sh:", ":")
    print(("ok   " if ok else "FAIL ") + where + ": " + what + ("  -- " + detail if detail and not ok else ""))
    if not ok:
        failures.append(where)


def run(args, cwd, env_extra):
    env = dict(os.environ, **env_extra)
    p = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=120)
    return p.returncode, (p.stderr.strip().splitlines() or [""])[-1]


def placeholder(word):
    word = word.strip("[]'\"")
    return bool(PLACEHOLDER.match(word) or ("=" in word and PLACEHOLDER.match(word.split("=", 1)[1])))


def check_config(where, text, config, sets, env):
    args = [nnlab, "check", config, "--quiet"] + sets
    rc, err = run(args, work, env)
    say(where, text, rc == 0, err)


def nnlab_command(where, text, words, env):
    if not words:
        return
    sub = words[0]
    if PLACEHOLDER.match(sub):
        return  # "nnlab COMMAND --help": no command to check
    if len(words) == 1 or any(placeholder(w) for w in words[1:]) or "..." in text:
        args = [nnlab, sub] if sub.startswith("-") else [nnlab, sub, "--help"]
        rc, err = run(args, work, env)
        say(where, text + ("" if len(words) == 1 else " (a synopsis: its command)"), rc == 0, err)
        return
    if where.startswith("README.md:") and ":sh:" in where:
        if tour:
            rc, err = run([nnlab] + words, work, env)
            say(where, text + " (run)", rc == 0, err)
            return
        if sub not in ("run", "sweep", "check", "eval"):
            print("skip " + where.replace(":sh:", ":") + ": " + text + " (needs the tour's runs)")
            return
    if sub in ("run", "sweep", "check", "eval"):
        sets, configs, i = [], [], 1
        while i < len(words):
            w = words[i]
            if w in ("--set", "--plugin"):
                sets += [w, words[i + 1]]
                i += 2
                continue
            if w in ("--out", "-j", "-o", "--top", "--heartbeat", "--result"):
                i += 2
                continue
            if not w.startswith("-") and w.endswith(".yaml"):
                configs.append(w)
            i += 1
        if len(configs) != 1:
            say(where, text, False, "no config file in the command")
            return
        check_config(where, text, configs[0], sets, env)
        return
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty, exist_ok=True)
    rc, err = run([nnlab] + words, empty, env)
    say(where, text, rc != 2, err)


def make_targets():
    targets = set()
    for line in open(os.path.join(src, "Makefile")):
        m = re.match(r"^([A-Za-z0-9_.-]+( [A-Za-z0-9_.-]+)*):", line)
        if m:
            targets.update(m.group(1).split())
    return targets


TARGETS = make_targets()


def command(where, text):
    text = text.strip()
    if not text or text.startswith("#"):
        return
    text = re.sub(r"\s+#.*$", "", text)
    try:
        words = shlex.split(text)
    except ValueError:
        say(where, text, False, "cannot split into words")
        return
    env = {}
    while words and ENV.match(words[0]):
        k, v = words.pop(0).split("=", 1)
        env[k] = v.replace("$PWD", tmp)
    if not words:
        return
    if words[0] == "mpirun":
        words = words[words.index("nnlab"):] if "nnlab" in words else []
    if words and words[0] in ("nnlab", "build/release/nnlab"):
        nnlab_command(where, text, words[1:], env)
    elif words and words[0] == "make":
        names = [w for w in words[1:] if "=" not in w and not w.startswith("-")]
        missing = [n for n in names if n not in TARGETS]
        say(where, text, not missing, "no target " + ", ".join(missing) if missing else "")
    elif words and words[0] == "sh" and len(words) > 1 and words[1].startswith("scripts/"):
        if not os.path.exists(os.path.join(src, words[1])):
            say(where, text, False, "no such script")
        elif words[1] in RUN_SCRIPTS:
            rc, err = run(words, work, env)
            say(where, text, rc == 0, err)
        else:
            say(where, text + " (exists)", True)


def base_sections():
    text = open(os.path.join(src, "configs", "nielsen-ch1.yaml")).read()
    return sections(text)


def sections(text):
    out, name = {}, None
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z_]+):", line)
        if m:
            name = m.group(1)
            out[name] = []
        if name:
            out[name].append(line)
    return out


def yaml_example(where, text):
    merged = base_sections()
    merged.update(sections(text))
    path = os.path.join(tmp, "example.yaml")
    with open(path, "w") as f:
        for lines in merged.values():
            f.write("\n".join(lines) + "\n")
    first = text.strip().splitlines()[0] if text.strip() else ""
    check_config(where, "yaml: " + first + " ...", path, [], {})


def inline_spans(text):
    # Code spans may wrap across lines within a paragraph.
    for m in re.finditer(r"`([^`]+)`", text):
        span = " ".join(m.group(1).split())
        if re.match(r"^(build/release/)?nnlab( |$)|^make [a-z]|^sh scripts/", span):
            yield text.count("\n", 0, m.start()) + 1, span


for path in [os.path.join(src, "README.md")] + sorted(glob.glob(os.path.join(src, "docs", "*.md"))):
    rel = os.path.relpath(path, src)
    text = open(path).read()
    prose = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\w*)", lines[i])
        if not m:
            prose.append(lines[i])
            i += 1
            continue
        lang, start = m.group(1), i + 1
        i += 1
        block = []
        while i < len(lines) and not lines[i].startswith("```"):
            block.append(lines[i])
            i += 1
        i += 1
        prose.extend([""] * (len(block) + 2))
        if lang == "sh":
            joined = "\n".join(block).replace("\\\n", " ")
            for k, line in enumerate(joined.split("\n")):
                command("%s:sh:%d" % (rel, start + k + 1), line)
        elif lang == "yaml":
            yaml_example("%s:%d" % (rel, start + 1), "\n".join(block))
    for line, span in inline_spans("\n".join(prose)):
        command("%s:%d" % (rel, line), span)

print("%d examples, %d failed" % (checked, len(failures)))
sys.exit(1 if failures else 0)
