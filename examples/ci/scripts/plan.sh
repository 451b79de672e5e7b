#!/bin/sh
# Plan a stack for review: the saved plan (what apply will run) and the Markdown comment for it.
#
# Usage: plan.sh [SPECS_DIR] [PLAN_FILE] [COMMENT_FILE]      (default: specs plan.json plan-comment.md)
#
# Runs `reconciler plan SPECS_DIR --out PLAN_FILE --format markdown --max-chars N --detailed-exitcode`
# and always writes COMMENT_FILE, ending with the stack's marker line (`<!-- reconciler-plan:STACK -->`)
# so the same pull-request comment is updated on every run, a failed one included.
#
# Exit status: 0 when the plan was made, with or without changes (reconciler's 0 and 2); 1 when it
# could not be (reconciler's 1: invalid specs, an AWS error, ...): COMMENT_FILE then holds the errors
# and PLAN_FILE is removed, so nothing unreviewed can be applied.
#
# Environment:
#   RECONCILER              the command (default: reconciler)
#   RECONCILER_MAX_CHARS    the comment's limit in characters (default 65000, below GitHub's 65,536; 0: none)
#   RECONCILER_DETAILS_URL  where a shortened comment says the full plan is (the CI run keeping PLAN_FILE)
#   GITHUB_OUTPUT, GITHUB_STEP_SUMMARY (GitHub Actions): outputs `changes=true|false` and `summary`, and
#                           the comment in the job summary
set -u

here=$(dirname "$0")
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"

specs=${1:-specs}
plan_file=${2:-plan.json}
comment=${3:-plan-comment.md}
max_chars=${RECONCILER_MAX_CHARS:-65000}

set -- plan "$specs" --out "$plan_file" --format markdown --detailed-exitcode
if [ "$max_chars" != 0 ]; then
    set -- "$@" --max-chars "$max_chars"
    if [ -n "${RECONCILER_DETAILS_URL:-}" ]; then
        set -- "$@" --details-url "$RECONCILER_DETAILS_URL"
    fi
fi

errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
rm -f "$plan_file"
status=0
reconciler "$@" >"$comment" 2>"$errors" || status=$?
cat "$errors" >&2
cat "$comment"

case $status in
    0 | 2)
        if [ "$status" = 2 ]; then changes=true; else changes=false; fi
        output changes "$changes"
        output summary "$(sed -n '3{s/\*\*//g;p;}' "$comment")"
        summary "$comment"
        exit 0
        ;;
esac

# The plan failed: the comment says so, with reconciler's errors (cut to fit), under the same marker.
rm -f "$plan_file"
stack=$(stack_name "$specs")
budget=$((${max_chars:-65000} - 600))
if [ "$budget" -le 0 ]; then budget=1000000; fi
{
    # shellcheck disable=SC2016 # the backticks are Markdown
    printf '### reconciler plan: stack `%s` failed\n\n' "$stack"
    printf '**The plan could not be made** (reconciler exited %s); there is no plan to apply. ' "$status"
    printf 'Fix what it reports and push again.\n\n'
    printf '````text\n'
    awk -v budget="$budget" '
        { size = length($0) + 1 }
        used + size > budget { left++; next }
        { used += size; print }
        END { if (left) printf "... %d more line(s): see the job log\n", left }
    ' "$errors"
    printf '````\n\n'
    printf '<!-- reconciler-plan:%s -->\n' "$stack"
} >"$comment"
summary "$comment"
annotate error "reconciler plan failed (exit $status); see the errors above"
exit 1
