#!/bin/sh
# Apply a reviewed plan file exactly, then check that live AWS now matches the specs.
#
# Usage: apply.sh PLAN_FILE [SPECS_DIR]
#
# `reconciler apply PLAN_FILE` runs exactly the steps that were reviewed, without a prompt. Before
# the first step it re-reads every resource the plan touches: if live AWS changed since the plan
# was made, the plan is refused as stale, nothing is changed, and this script exits 1 (make a new
# plan and review it again). With a lock table in the Stack document, apply holds the stack's lock
# and waits up to RECONCILER_LOCK_TIMEOUT seconds (default 900) for another apply to finish.
#
# With SPECS_DIR, a read-only `reconciler plan SPECS_DIR --detailed-exitcode` follows: `converged=true`
# when nothing is left; `converged=false` (a warning, still exit 0) when the specs hold changes the
# reviewed plan did not (the branch moved on since the review); the next plan or drift run shows them.
#
# Exit status: 0 applied (or nothing to do); 1 refused (stale, locked), failed or rolled back.
# Environment: RECONCILER (the command), RECONCILER_LOCK_TIMEOUT, GITHUB_OUTPUT (GitHub Actions).
set -u

here=$(dirname "$0")
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"

if [ $# -lt 1 ]; then
    say "usage: apply.sh PLAN_FILE [SPECS_DIR]"
    exit 1
fi
plan_file=$1
specs=${2:-}
if [ ! -f "$plan_file" ]; then
    annotate error "no plan file at $plan_file: nothing reviewed to apply"
    exit 1
fi

status=0
reconciler apply "$plan_file" --lock-timeout "${RECONCILER_LOCK_TIMEOUT:-900}" || status=$?
if [ "$status" != 0 ]; then
    annotate error "reconciler apply exited $status. If the plan was refused as stale, live AWS changed since it was reviewed and nothing was changed: plan again and review the new plan."
    exit 1
fi

if [ -n "$specs" ]; then
    left=0
    reconciler plan "$specs" --detailed-exitcode || left=$?
    case $left in
        0) output converged true ;;
        2)
            output converged false
            annotate warning "after applying the reviewed plan, $specs still differs from live AWS (changes the review did not include); the next plan or drift run shows them"
            ;;
        *) annotate warning "could not plan $specs again after the apply (exit $left)" ;;
    esac
fi
exit 0
