# Shared by the CI scripts beside this file (POSIX sh; sourced, not run).
#
# RECONCILER is the command that runs reconciler (default `reconciler`; e.g. `python -m reconciler`).

# reconciler ARGS...: run reconciler (word-splitting RECONCILER on purpose, so it may hold arguments).
reconciler() {
    # shellcheck disable=SC2086
    ${RECONCILER:-command reconciler} "$@"
}

# say MESSAGE: a line for the log, on stderr.
say() {
    printf '%s\n' "$*" >&2
}

# annotate LEVEL MESSAGE: a GitHub Actions annotation (error, warning, notice) when on GitHub, else a plain line.
annotate() {
    if [ -n "${GITHUB_ACTIONS:-}" ]; then
        printf '::%s::%s\n' "$1" "$2" >&2
    else
        printf '%s: %s\n' "$1" "$2" >&2
    fi
}

# output KEY VALUE: a step output on GitHub Actions (GITHUB_OUTPUT); elsewhere only the log line.
output() {
    say "$1=$2"
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
    fi
}

# summary FILE: append FILE to the job summary on GitHub Actions (GITHUB_STEP_SUMMARY).
summary() {
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -s "$1" ]; then
        cat "$1" >>"$GITHUB_STEP_SUMMARY"
    fi
}

# stack_name DIR: the name of the stack in DIR, read from its Stack document without reconciler
# (used when reconciler fails, e.g. on invalid specs, to still address the stack's comment).
stack_name() {
    for file in "$1"/*.yaml "$1"/*.yml; do
        [ -f "$file" ] || continue
        found=$(awk '
            function value(line) {
                sub(/^[a-z]+:[ \t]*/, "", line); sub(/[ \t]+#.*$/, "", line); sub(/[ \t]+$/, "", line)
                gsub(/["\047]/, "", line); return line
            }
            /^---/ { if (kind == "Stack" && name != "") { print name; done = 1; exit } kind = ""; name = ""; next }
            /^kind:/ { kind = value($0) }
            /^name:/ { name = value($0) }
            END { if (!done && kind == "Stack" && name != "") print name }
        ' "$file")
        if [ -n "$found" ]; then
            printf '%s\n' "$found"
            return 0
        fi
    done
    basename "$1"
}

# marker_of FILE: the hidden marker line reconciler ends its Markdown with (`<!-- reconciler-plan:STACK -->`).
marker_of() {
    sed -n '/^<!-- reconciler-[a-z]*:[^ ]* -->$/{p;q;}' "$1"
}

# require_gh_repo: the repository (owner/name) the gh calls address, from GITHUB_REPOSITORY.
require_gh_repo() {
    if [ -z "${GITHUB_REPOSITORY:-}" ]; then
        say "GITHUB_REPOSITORY is not set (owner/name of the repository)"
        exit 1
    fi
    printf '%s\n' "$GITHUB_REPOSITORY"
}
