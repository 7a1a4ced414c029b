#!/usr/bin/env bash
# Create .venv and install coach into it, with test tools when asked (--test).
# Python 3.10-3.12 get mediapipe 0.10.21 (legacy tracker, models bundled); any other Python 3.10+
# gets current mediapipe (Tasks tracker), whose model bundles are then fetched into models/.
# --tasks builds .venv-tasks instead: current mediapipe + numpy 2 on the newest Python 3.13+ found
# (else this machine's Python 3.10-3.12), for the Tasks backend's tests (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
with_test=""
tasks=""
for argument in "$@"; do
  case "$argument" in
    --test) with_test=1 ;;
    --tasks) tasks=1 ;;
    *) echo "install.sh: unknown option $argument (use --test and/or --tasks)" >&2; exit 2 ;;
  esac
done

runs_python() {  # runs_python CANDIDATE MIN_MINOR MAX_MINOR: it starts and is 3.MIN..3.MAX
  "$1" -c "import sys; sys.exit(not ((3, $2) <= sys.version_info[:2] <= (3, $3)))" >/dev/null 2>&1
}
pick_python() {
  # A candidate must actually run: a pyenv shim for a version not selected exists but fails.
  for candidate in python3.12 python3.11 python3.10 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && runs_python "$candidate" 10 12; then
      echo "$candidate"; return 0
    fi
  done
  if command -v python3 >/dev/null 2>&1 && runs_python python3 10 99; then
    echo python3; return 0  # 3.13+: coach installs with the Tasks tracker
  fi
  echo "coach needs Python 3.10 or newer (3.10-3.12 for the legacy tracker)" >&2
  return 1
}
pick_tasks_python() {
  # The newest Python 3.13+ on PATH or installed by pyenv (not necessarily selected), else pick_python.
  local candidate pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
  for minor in 14 13; do
    for candidate in "python3.$minor" "$pyenv_root"/versions/3."$minor".*/bin/python3."$minor"; do
      if { command -v "$candidate" >/dev/null 2>&1 || [ -x "$candidate" ]; } && runs_python "$candidate" "$minor" "$minor"; then
        echo "$candidate"; return 0
      fi
    done
  done
  pick_python
}

venv=.venv
[ -n "$tasks" ] && venv=.venv-tasks
if [ ! -x "$venv/bin/python" ]; then
  if [ -n "$tasks" ]; then interpreter="$(pick_tasks_python)"; else interpreter="$(pick_python)"; fi
  "$interpreter" -m venv "$venv"
fi
python="$venv/bin/python"
"$python" -m pip install --quiet --upgrade pip
extras=""
[ -n "$with_test" ] && extras="[test]"
if [ -n "$tasks" ] && runs_python "$python" 10 12; then
  # pyproject gives Python 3.10-3.12 mediapipe 0.10.21: install coach without it, then its other
  # requirements (from the installed metadata) with current mediapipe and numpy 2 instead.
  "$python" -m pip install --quiet --no-deps -e .
  mapfile -t requirements < <("$python" - "$with_test" <<'EOF'
import importlib.metadata, re, sys
for requirement in importlib.metadata.requires("coach") or []:
    name = re.split(r"[ ;<>=!~\[]", requirement, maxsplit=1)[0].lower()
    if name in ("mediapipe", "numpy"):
        continue
    if "extra ==" in requirement:
        if not (sys.argv[1] and "extra == \"test\"" in requirement.replace("'", '"')):
            continue
        requirement = requirement.split(";")[0]
    print(requirement)
EOF
  )
  "$python" -m pip install --quiet "mediapipe>=0.10.30,<2" "numpy>=2" "${requirements[@]}"
  echo "note: $venv replaces mediapipe 0.10.21 and numpy<2 on purpose; pip's conflict report above is expected" >&2
else
  "$python" -m pip install --quiet -e ".$extras"
fi
# An editable install compiles nothing, and where PYTHONDONTWRITEBYTECODE is set (CI machines, some
# shells) Python would compile coach's modules again on every run: about 0.1 s before tracking
# starts and more while it runs (a regular pip install compiles them the same way).
"$python" -m compileall -q coach
# The Tasks tracker needs its model bundles (fetched once, hash-checked; scripts/fetch_models.py).
if [ -n "$tasks" ] || ! "$python" -c "import sys; from coach.perception.backends import legacy_available; sys.exit(not legacy_available())"; then
  "$python" scripts/fetch_models.py
fi
